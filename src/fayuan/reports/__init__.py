"""Reports to the district bureau (第九、十三条) and the public figures (法律援助法第五十八条):
`figures` (the definitions), `output` (Excel and PDF), `tasks` (the worker), `views` (pages)."""
