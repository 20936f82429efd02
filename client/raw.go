package client

// RawBody is a request body that is not JSON (a CSV file), sent as it is
// with its media type.
type RawBody struct {
	ContentType string
	Data        []byte
}

// Bool is a pointer to b, for the optional booleans of requests (a nil
// leaves the field out; a pointer to false sends false).
func Bool(b bool) *bool { return &b }
