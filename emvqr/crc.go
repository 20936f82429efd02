package emvqr

// crc16 is CRC-16/CCITT-FALSE, the checksum of data object 63: polynomial
// 0x1021, initial value 0xFFFF, no reflection of input or output, no final
// XOR (check value: crc16("123456789") = 0x29B1). Table-free: a payload is
// a few hundred bytes.
func crc16(data string) uint16 {
	crc := uint16(0xFFFF)
	for i := 0; i < len(data); i++ {
		crc ^= uint16(data[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// checksum is the value of data object 63 for a payload whose data objects
// before it are body: the CRC of body followed by "6304" (63's own ID and
// length), as 4 upper-case hexadecimal digits.
func checksum(body string) string {
	const hex = "0123456789ABCDEF"
	c := crc16(body + crcPrefix)
	return string([]byte{hex[c>>12], hex[c>>8&0xF], hex[c>>4&0xF], hex[c&0xF]})
}

// crcPrefix is the ID and length of data object 63, covered by the CRC.
const crcPrefix = "6304"
