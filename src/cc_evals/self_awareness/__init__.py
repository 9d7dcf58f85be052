"""Behavioural self-awareness: does a model know what its training did to it?"""
