"""The recommendations tracker in the browser (every page works without JavaScript), one
module per feature: the tracker (list, export, detail, edit, publish), actions and
assessments, the dashboard, imports, themes, clusters, institutions and the public pages.
Helpers shared by several of them are in _common."""
