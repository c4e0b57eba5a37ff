"""The regulation as code (北碚司发〔2023〕9号 and any district's policy file).

Pure Python: nothing here imports Django or a database. Callers hand in plain values
(`fayuan.policy.model`) and get back decisions that record why.
"""
