package client

// RawBody is a request body that is not JSON (a CSV file), sent as it is
// with its media type.
type RawBody struct {
	ContentType string
	Data        []byte
}
