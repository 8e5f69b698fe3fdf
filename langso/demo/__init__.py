"""The demo province behind `langso demo`: believable villages, households and people.

profiles.py holds what makes Cà Mau (96) and Sơn La (14) recognisable; generate.py turns a
profile, a size and a seed into rows without touching the database; writer.py writes them fast
and deletes them again; users.py keeps one account per role; build.py ties it together.
"""
