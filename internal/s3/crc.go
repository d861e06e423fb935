package s3

// CRC combination: the CRC of A||B from crc(A), crc(B) and len(B), for the
// reflected CRCs S3 uses (CRC32, CRC32C, CRC64NVME). It lets a multipart
// upload's FULL_OBJECT checksum be computed from its parts' checksums
// without reading the object again. This is zlib's crc32_combine,
// generalised to 64 bits.

func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}

// crcCombine returns crc(A||B). poly is the reflected polynomial and width
// the CRC's width in bits (32 or 64).
func crcCombine(crc1, crc2 uint64, len2 int64, poly uint64, width int) uint64 {
	if len2 <= 0 {
		return crc1
	}
	odd := make([]uint64, width)
	even := make([]uint64, width)
	odd[0] = poly
	row := uint64(1)
	for n := 1; n < width; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even, odd) // two zero bits
	gf2Square(odd, even) // four zero bits
	for {
		gf2Square(even, odd)
		if len2&1 != 0 {
			crc1 = gf2Times(even, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(odd, even)
		if len2&1 != 0 {
			crc1 = gf2Times(odd, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

// crcParams returns the reflected polynomial and width of a CRC algorithm.
func crcParams(algo string) (poly uint64, width int, ok bool) {
	switch algo {
	case "CRC32":
		return 0xedb88320, 32, true
	case "CRC32C":
		return 0x82f63b78, 32, true
	case "CRC64NVME":
		return 0x9a6c9329ac4bc9b5, 64, true
	}
	return 0, 0, false
}
