"""Community voice in the browser, one module per feature: campaigns, instruments, the
respondent form and withdrawal (public), review, stories, focus groups, analysis, exports,
uploads and partners' own pages. Helpers shared by several of them are in _common. Every
object goes through the access policy."""
