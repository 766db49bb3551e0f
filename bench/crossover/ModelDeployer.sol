// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @title ModelDeployer
/// @notice Writes a fixed-point model (model/SPEC.md §4-5 with K features and J hidden units) into SSTORE2-style data
/// contracts, in the layouts OnchainFeeEvaluator.sol reads, and returns the first one's address. Also the
/// deterministic random models of the crossover measurement (`randomNet`, reproduced by bench/crossover/general.ts).
/// @dev A data contract's code is 0x00 || data (the STOP byte keeps it from being called), read with EXTCODECOPY.
contract ModelDeployer {
    /// @dev EIP-170's code size limit, less the leading STOP byte
    uint256 internal constant MAX_DATA = 24_575;

    /// @notice A quantized model (SPEC §4 lanes and scales) and its policy, at any size
    struct Net {
        uint256 k; // features
        uint256 j; // hidden units
        uint256[] w; // level weights, unsigned 24-bit
        uint256 c0; // level constant, unsigned 32-bit
        int256[] W; // correction weights, row-major (J rows of K), signed 16-bit
        int256[] c;
        int256[] v;
        int256 b;
        int256 base;
        uint256 slope;
        uint256 modelFeeMin;
        uint256 modelFeeMax;
        uint256 period;
        uint256 horizon;
    }

    error TooLarge();
    error NotShippedSize();
    error OutOfLane(int256 value);

    // ---- the shipped architecture: the four committed words -----------------------------------------------------

    /// @notice SPEC §6's commitment preimage of a 5 x 4 model: correction words, level word, policy word
    function committedWords(Net memory net) public pure returns (uint256[4] memory words) {
        if (net.k != 5 || net.j != 4) revert NotShippedSize();
        int256[] memory params = new int256[](29);
        for (uint256 i; i < 20; ++i) params[i] = net.W[i];
        for (uint256 i; i < 4; ++i) (params[20 + i], params[24 + i]) = (net.c[i], net.v[i]);
        params[28] = net.b;
        for (uint256 p; p < 29; ++p) words[p / 15] |= _signedLane(params[p], 16) << (16 * (p % 15));
        words[2] = _unsignedLane(net.c0, 32);
        for (uint256 i; i < 5; ++i) words[2] |= _unsignedLane(net.w[i], 24) << (32 + 24 * i);
        words[3] = policyWord(net);
    }

    /// @notice base + 2^23 | slope << 24 | modelFeeMin << 48 | modelFeeMax << 72 | period << 96 | horizon << 128
    function policyWord(Net memory net) public pure returns (uint256) {
        return _signedLane(net.base, 24) | _unsignedLane(net.slope, 24) << 24 | _unsignedLane(net.modelFeeMin, 24) << 48
            | _unsignedLane(net.modelFeeMax, 24) << 72 | _unsignedLane(net.period, 32) << 96
            | _unsignedLane(net.horizon, 16) << 128;
    }

    /// @notice A data contract holding the four committed words (128 bytes), for FixedPointModel via the evaluator
    function deployCommitted(Net memory net) external returns (address) {
        uint256[4] memory words = committedWords(net);
        return _write(abi.encodePacked(words));
    }

    // ---- any size: the general layouts ------------------------------------------------------------------------

    /// @notice Deploys `net` with kernel 0 ("plain": 16-bit weight lanes, one multiply per weight) or 1 ("packed":
    /// weights pre-spread into wide lanes, one multiply per `lanes` weights); layout in OnchainFeeEvaluator.sol
    function deploy(Net memory net, uint256 kernel) public returns (address) {
        if (net.k == 0 || net.k > 0xffff || net.j == 0 || net.j > 0xffffff) revert TooLarge();
        bytes memory level = _levelBlock(net);
        (uint256 laneBits, uint256 lanes) = kernel == 0 ? (16, 1) : packedLanes(net.k);
        uint256 units = (net.j + lanes - 1) / lanes; // rows, or groups of `lanes` hidden units
        uint256 unitBytes = kernel == 0 ? 2 * net.k + 4 : 32 * (net.k + 2);
        (uint256 nExtra, uint256 units0) = _layout(units, unitBytes, level.length);
        bytes memory w = kernel == 0 ? _rows(net) : _groups(net, laneBits, lanes, units);
        // the extra chunks first, so that chunk 0 can list their addresses
        bytes memory entries = _writeExtraChunks(w, units0 * unitBytes, units - units0, unitBytes);
        bytes memory head = bytes.concat(bytes32(_meta(net, kernel, laneBits << 8 | lanes, nExtra, units0)), bytes32(policyWord(net)));
        return _write(bytes.concat(head, entries, level, _slice(w, 0, units0 * unitBytes)));
    }

    /// @dev Writes the weights from byte `from` on, `units` units of `unitBytes` each, into as few data contracts as
    /// fit; returns their entries (units << 160 | address)
    function _writeExtraChunks(bytes memory w, uint256 from, uint256 units, uint256 unitBytes)
        private
        returns (bytes memory entries)
    {
        uint256 perChunk = MAX_DATA / unitBytes;
        while (units > 0) {
            uint256 u = units < perChunk ? units : perChunk;
            address chunk = _write(_slice(w, from, u * unitBytes));
            from += u * unitBytes;
            units -= u;
            entries = bytes.concat(entries, bytes32(u << 160 | uint256(uint160(chunk))));
        }
    }

    /// @dev kernel << 248 | K << 232 | J << 208 | laneBits << 200 | lanes << 192 | nExtra << 184 | units0 << 160
    /// | uint16(b) << 144
    function _meta(Net memory net, uint256 kernel, uint256 laneBitsAndLanes, uint256 nExtra, uint256 units0)
        private
        pure
        returns (uint256)
    {
        return kernel << 248 | net.k << 232 | net.j << 208 | laneBitsAndLanes << 192 | nExtra << 184 | units0 << 160
            | _twosComplement16(net.b) << 144;
    }

    /// @notice Lane width of the packed kernel: the widest value a lane holds,
    /// K (2^16 - 1) x_max + (2^15 - 1) 2^12 + 2^27 with x_max = L_8(2^38 - 1) = 9727 (the largest log input),
    /// fits laneBits bits, so lanes never carry into each other (32 bits for K = 5: 8 lanes a word)
    function packedLanes(uint256 k) public pure returns (uint256 laneBits, uint256 lanes) {
        uint256 widest = k * 65_535 * 9727 + (1 << 28) - 4096;
        while (widest >> laneBits != 0) ++laneBits;
        lanes = 256 / laneBits;
    }

    /// @dev How many extra chunks, and how many units chunk 0 holds after its fixed part
    function _layout(uint256 units, uint256 unitBytes, uint256 fixedBytes)
        private
        pure
        returns (uint256 nExtra, uint256 units0)
    {
        uint256 perChunk = MAX_DATA / unitBytes;
        for (;;) {
            uint256 headBytes = 64 + 32 * nExtra + fixedBytes;
            if (headBytes > MAX_DATA) revert TooLarge();
            units0 = (MAX_DATA - headBytes) / unitBytes;
            if (units0 > units) units0 = units;
            uint256 need = (units - units0 + perChunk - 1) / perChunk;
            if (need <= nExtra) break;
            nExtra = need;
        }
        if (nExtra > 0xff) revert TooLarge();
    }

    /// @dev c0 (4 bytes) then w[0..K) (3 bytes each), big-endian, zero-padded to whole words
    function _levelBlock(Net memory net) private pure returns (bytes memory out) {
        out = new bytes((4 + 3 * net.k + 31) / 32 * 32);
        uint256 c0 = _unsignedLane(net.c0, 32);
        for (uint256 i; i < 4; ++i) out[i] = bytes1(uint8(c0 >> (24 - 8 * i)));
        for (uint256 k; k < net.k; ++k) {
            uint256 wk = _unsignedLane(net.w[k], 24);
            for (uint256 i; i < 3; ++i) out[4 + 3 * k + i] = bytes1(uint8(wk >> (16 - 8 * i)));
        }
    }

    /// @dev Plain units: one row per hidden unit, c_j, v_j, W[j][0..K) as signed 16-bit big-endian lanes
    function _rows(Net memory net) private pure returns (bytes memory out) {
        out = new bytes((2 * net.k + 4) * net.j);
        uint256 i;
        for (uint256 j; j < net.j; ++j) {
            _put16(out, i++, net.c[j]);
            _put16(out, i++, net.v[j]);
            for (uint256 k; k < net.k; ++k) _put16(out, i++, net.W[j * net.k + k]);
        }
    }

    /// @dev Packed units: for each group g of `lanes` hidden units, K + 2 words, lane l at bit laneBits l for unit
    /// j = g lanes + l: the bias word (c_j 2^12 + 2^27), the v word (v_j as a 16-bit two's-complement lane at bit
    /// 16 l), then one word per feature k (W[j][k] + 2^15). Lanes of units past J stay 0.
    function _groups(Net memory net, uint256 laneBits, uint256 lanes, uint256 units)
        private
        pure
        returns (bytes memory out)
    {
        out = new bytes(32 * (net.k + 2) * units);
        for (uint256 g; g < units; ++g) {
            uint256 at = 32 * (net.k + 2) * g;
            uint256 bias;
            uint256 vs;
            for (uint256 l; l < lanes && g * lanes + l < net.j; ++l) {
                uint256 j = g * lanes + l;
                bias |= uint256((int256(_signedLane(net.c[j], 16)) - 32_768) * 4096 + (1 << 27)) << (laneBits * l);
                vs |= _twosComplement16(net.v[j]) << (16 * l);
            }
            _store(out, at, bias);
            _store(out, at + 32, vs);
            for (uint256 k; k < net.k; ++k) {
                uint256 word;
                for (uint256 l; l < lanes && g * lanes + l < net.j; ++l) {
                    word |= _signedLane(net.W[(g * lanes + l) * net.k + k], 16) << (laneBits * l);
                }
                _store(out, at + 64 + 32 * k, word);
            }
        }
    }

    function _store(bytes memory out, uint256 at, uint256 word) private pure {
        assembly {
            mstore(add(add(out, 32), at), word)
        }
    }

    // ---- deterministic random models --------------------------------------------------------------------------

    /// @notice A deterministic random model: parameter i, in the order W[0][0..K), .., W[J-1][0..K), c[0..J), v[0..J),
    /// b, w[0..K), c0, is u_i = uint256(keccak256(abi.encode(seed, i))) mod 2^bits, minus 2^(bits-1) for the signed
    /// ones; bits W 10, c 12, v 10, b 10, w 16, c0 16 (general.ts RANDOM_BITS: magnitudes like a trained model's,
    /// so that fees spread); policy base -500, slope 8000, fee bounds 100..10,000 (RANDOM_POLICY)
    function randomNet(uint256 k, uint256 j, uint256 seed) public pure returns (Net memory net) {
        (net.k, net.j) = (k, j);
        net.W = new int256[](k * j);
        net.c = new int256[](j);
        net.v = new int256[](j);
        net.w = new uint256[](k);
        uint256 i;
        for (uint256 n; n < k * j; ++n) net.W[n] = _signedRandom(seed, i++, 10);
        for (uint256 n; n < j; ++n) net.c[n] = _signedRandom(seed, i++, 12);
        for (uint256 n; n < j; ++n) net.v[n] = _signedRandom(seed, i++, 10);
        net.b = _signedRandom(seed, i++, 10);
        for (uint256 n; n < k; ++n) net.w[n] = _random(seed, i++, 16);
        net.c0 = _random(seed, i, 16);
        (net.base, net.slope, net.modelFeeMin, net.modelFeeMax, net.period, net.horizon) = (-500, 8000, 100, 10_000, 60, 30);
    }

    function deployRandom(uint256 k, uint256 j, uint256 seed, uint256 kernel) external returns (address) {
        return deploy(randomNet(k, j, seed), kernel);
    }

    function _random(uint256 seed, uint256 i, uint256 bits) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, i))) % (1 << bits);
    }

    function _signedRandom(uint256 seed, uint256 i, uint256 bits) private pure returns (int256) {
        return int256(_random(seed, i, bits)) - int256(1 << (bits - 1));
    }

    // ---- bytes ------------------------------------------------------------------------------------------------

    /// @dev A signed value's lane: q + 2^(bits-1), in [0, 2^bits)
    function _signedLane(int256 q, uint256 bits) private pure returns (uint256) {
        int256 half = int256(1 << (bits - 1));
        if (q < -half || q >= half) revert OutOfLane(q);
        return uint256(q + half);
    }

    function _unsignedLane(uint256 q, uint256 bits) private pure returns (uint256) {
        if (q >> bits != 0) revert OutOfLane(int256(q));
        return q;
    }

    /// @dev q as a 16-bit two's-complement lane (q + 2^15 with the top bit flipped)
    function _twosComplement16(int256 q) private pure returns (uint256) {
        return _signedLane(q, 16) ^ 0x8000;
    }

    function _put16(bytes memory out, uint256 index, int256 q) private pure {
        uint256 u = _twosComplement16(q);
        out[2 * index] = bytes1(uint8(u >> 8));
        out[2 * index + 1] = bytes1(uint8(u));
    }

    function _slice(bytes memory b, uint256 from, uint256 len) private pure returns (bytes memory out) {
        out = new bytes(len);
        for (uint256 i; i < len; i += 32) {
            assembly {
                mstore(add(add(out, 32), i), mload(add(add(b, 32), add(from, i))))
            }
        }
        assembly {
            mstore(add(add(out, 32), len), 0) // the last word may have copied past the slice
        }
    }

    /// @dev SSTORE2: a contract whose code is 0x00 followed by `data`
    function _write(bytes memory data) private returns (address chunk) {
        if (data.length > MAX_DATA) revert TooLarge();
        bytes memory init = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600a3d393df300", data);
        assembly {
            chunk := create(0, add(init, 32), mload(init))
        }
        require(chunk != address(0), "create");
    }
}
