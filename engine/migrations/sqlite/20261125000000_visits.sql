-- Visits to the start page (the walking skeleton's proof that the page writes to SQLite).
CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    visited_at TEXT NOT NULL
);
