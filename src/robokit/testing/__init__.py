"""The pytest plugin and fixtures that users and robokit's tests share."""
