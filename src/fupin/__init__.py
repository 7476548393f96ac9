"""fupin: targeted poverty alleviation and monitoring (精准扶贫, 防止返贫动态监测)."""

__version__ = "0.1.0"
