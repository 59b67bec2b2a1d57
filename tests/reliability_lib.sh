# reliability_lib.sh: helpers the reliability checks (check_concurrency.sh,
# check_crash.sh) share: the incident identity query and article generation.
# Sourced, not run.

# One line per incident: type, place, dates, and its sources (article digest
# and sentence offset), sorted: two databases with the same incidents and
# sources print the same text whatever their ids.
incident_keys() {
  sqlite3 "$1" "SELECT i.type, coalesce(i.place_id, ''), i.date_start, i.date_end,
    (SELECT group_concat(k, ' ') FROM (SELECT a.sha256 || ':' || s.byte_start AS k
       FROM incident_sources s JOIN articles a ON a.id = s.article_id
       WHERE s.incident_id = i.id ORDER BY k))
    FROM incidents i ORDER BY 1, 2, 3, 4, 5"
}

# Sources per article digest: a half-stored article would differ from a
# clean run here.
article_sources() {
  sqlite3 "$1" "SELECT a.sha256, (SELECT count(*) FROM incident_sources s
    WHERE s.article_id = a.id) FROM articles a ORDER BY 1"
}

counts() {
  sqlite3 "$1" "SELECT (SELECT count(*) FROM articles) || ' articles, ' ||
    (SELECT count(*) FROM incidents) || ' incidents, ' ||
    (SELECT count(*) FROM incident_sources) || ' sources'"
}
