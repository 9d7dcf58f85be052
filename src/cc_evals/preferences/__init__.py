"""The preference family ("consciousness cluster")."""
