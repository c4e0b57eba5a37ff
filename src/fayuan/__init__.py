"""法援指派 (Fayuan): legal aid case assignment by the rules of a district."""

__version__ = "0.1.0"
