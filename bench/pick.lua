wrk.method = "POST"
wrk.body = '{"playerCount":6,"drawing":"exclude"}'
wrk.headers["Content-Type"] = "application/json"
