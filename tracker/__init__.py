"""zzxt: technical support tracker for the National Student Financial Aid Management Information System."""

__version__ = "0.1.0"
