"""The regional registry: social agreements, central announcements and supply/demand gaps.

Depends on ``marketplace``; ``marketplace`` never imports from here.
"""
