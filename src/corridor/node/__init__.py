"""This node's agency identity (signing and encryption keys) and its pinned partners."""
