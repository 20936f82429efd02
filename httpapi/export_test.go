package httpapi

// RouteAccess reports a route's declared access: its scope and whether
// holders may use it (ok false: none declared).
func RouteAccess(operationID string) (scope string, holder, ok bool) {
	r, ok := routes[operationID]
	return r.scope, r.holder, ok
}

// RouteIDs are the operations the access table declares.
func RouteIDs() []string {
	ids := make([]string, 0, len(routes))
	for id := range routes {
		ids = append(ids, id)
	}
	return ids
}

// RouteProvider is the consent scope a provider's token needs on a route
// ("" none may; "*" any provider's token).
func RouteProvider(operationID string) string { return routes[operationID].provider }
