"""Importing the bench package first makes the collection and the twin importable for the tests."""

import bench  # noqa: F401  pylint: disable=unused-import
