"""HTTP routes: pages for people and a JSON API; both call the library, nothing more."""
