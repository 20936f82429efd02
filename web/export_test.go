package web

// What the package's external tests reach inside it.
var (
	// ScanQR is scanQR, the wallet's reader of uploaded pictures.
	ScanQR = scanQR
)

// ReceiveQRSize is the receive code's side in pixels.
const ReceiveQRSize = receiveQRSize
