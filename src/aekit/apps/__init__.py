"""Task pipelines built on the estimators (demo, anomaly detection, compression, ...)."""
