// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @title ModelDeployer
/// @notice Writes a fixed-point network (model/SPEC.md §4, any N = 3H inputs and J hidden units) and its fee policy
/// into SSTORE2-style data contracts in the layout OnchainFeeEvaluator.sol reads, and returns chunk 0's address.
/// Also generates the deterministic random models of the crossover measurement: parameter k (in the order
/// W[0][0..N), .., W[J-1][0..N), c[0..J), a[0..N), v[0..J), b) is
///   q_k = uint256(keccak256(abi.encode(seed, k))) % 2^bits - 2^(bits-1),  bits = 16 for c and b, 13 otherwise,
/// i.e. signed 16-bit values on the spec's grid (|W|, |a|, |v| < 1 at scale 2^12), which
/// bench/crossover/fixtures.ts reproduces in TypeScript for the parity test.
contract ModelDeployer {
    uint256 internal constant MAX_DATA = 24_575; // EIP-170 code size limit, less the leading STOP byte

    struct Net {
        uint256 n;
        uint256 j;
        int256[] W; // row-major, J rows of N
        int256[] c;
        int256[] a;
        int256[] v;
        int256 b;
        int256 base;
        uint256 slope;
        uint256 modelFeeMin;
        uint256 modelFeeMax;
    }

    error TooLarge();

    /// @notice Deploys `net` with kernel 0 ("plain", 16-bit lanes) or 1 ("packed", SIMD-within-a-word lanes).
    function deploy(Net memory net, uint256 kernel) public returns (address) {
        if (net.n == 0 || net.n % 3 != 0 || net.n > 0xffff || net.j > 0xffff) revert TooLarge();
        bytes memory scalars = _scalars(net);
        (uint256 laneBits, uint256 lanes) = kernel == 0 ? (16, 1) : _lanes(net.n);
        uint256 units = (net.j + lanes - 1) / lanes; // rows, or groups of `lanes` hidden units
        uint256 unitBytes = kernel == 0 ? 2 * net.n : 32 * net.n;
        (uint256 nExtra, uint256 units0) = _layout(units, unitBytes, scalars.length);
        bytes memory w = _weights(net, kernel, laneBits, lanes, units);
        // extra chunks first, so chunk 0 can list their addresses
        bytes memory entries;
        uint256 at = units0 * unitBytes;
        uint256 perChunk = MAX_DATA / unitBytes;
        for (uint256 k; k < nExtra; ++k) {
            uint256 u = units - units0 - k * perChunk;
            if (u > perChunk) u = perChunk;
            address chunk = _write(_slice(w, at, u * unitBytes));
            at += u * unitBytes;
            entries = bytes.concat(entries, bytes32(u << 160 | uint256(uint160(chunk))));
        }
        uint256 meta = _meta(net, kernel, laneBits << 8 | lanes, nExtra, units0);
        return _write(bytes.concat(bytes32(meta), entries, scalars, _slice(w, 0, units0 * unitBytes)));
    }

    /// @dev How many extra chunks, and how many units chunk 0 holds after its header, entries and scalars
    function _layout(uint256 units, uint256 unitBytes, uint256 scalarBytes)
        private
        pure
        returns (uint256 nExtra, uint256 units0)
    {
        uint256 perChunk = MAX_DATA / unitBytes;
        for (;;) {
            uint256 fixedBytes = 32 + 32 * nExtra + scalarBytes;
            if (fixedBytes > MAX_DATA) revert TooLarge();
            units0 = (MAX_DATA - fixedBytes) / unitBytes;
            if (units0 > units) units0 = units;
            uint256 need = (units - units0 + perChunk - 1) / perChunk;
            if (need <= nExtra) break;
            nExtra = need;
        }
        if (nExtra > 0xff) revert TooLarge();
    }

    function _meta(Net memory net, uint256 kernel, uint256 lanesWord, uint256 nExtra, uint256 units0)
        private
        pure
        returns (uint256)
    {
        uint256 policy = uint256(uint24(uint256(net.base) & 0xffffff)) << 152 | net.slope << 128
            | net.modelFeeMin << 104 | net.modelFeeMax << 80;
        return kernel << 248 | net.n << 232 | net.j << 216 | lanesWord << 200 | nExtra << 192 | units0 << 176 | policy;
    }

    /// @notice A deterministic random model (see the contract notes) with the default model's policy.
    function deployRandom(uint256 n, uint256 j, uint256 seed, uint256 kernel) external returns (address) {
        return deploy(randomNet(n, j, seed), kernel);
    }

    function randomNet(uint256 n, uint256 j, uint256 seed) public pure returns (Net memory net) {
        net.n = n;
        net.j = j;
        net.W = new int256[](n * j);
        net.c = new int256[](j);
        net.a = new int256[](n);
        net.v = new int256[](j);
        uint256 k;
        for (uint256 i; i < n * j; ++i) net.W[i] = _rand(seed, k++, 13);
        for (uint256 i; i < j; ++i) net.c[i] = _rand(seed, k++, 16);
        for (uint256 i; i < n; ++i) net.a[i] = _rand(seed, k++, 13);
        for (uint256 i; i < j; ++i) net.v[i] = _rand(seed, k++, 13);
        net.b = _rand(seed, k, 16);
        (net.base, net.slope, net.modelFeeMin, net.modelFeeMax) = (0, 8000, 100, 10_000);
    }

    function _rand(uint256 seed, uint256 k, uint256 bits) private pure returns (int256) {
        return int256(uint256(keccak256(abi.encode(seed, k))) % (1 << bits)) - int256(1 << (bits - 1));
    }

    /// @dev Lane width for the packed kernel: every lane sums N products (W + 2^15) X_i < 2^16 * 2^14
    function _lanes(uint256 n) private pure returns (uint256 laneBits, uint256 lanes) {
        uint256 log2n;
        while ((1 << log2n) < n) ++log2n;
        laneBits = 30 + log2n;
        lanes = 256 / laneBits;
    }

    function _scalars(Net memory net) private pure returns (bytes memory out) {
        uint256 count = 2 * net.j + net.n + 1;
        out = new bytes((2 * count + 31) / 32 * 32);
        uint256 k;
        for (uint256 i; i < net.j; ++i) _put16(out, k++, net.c[i]);
        for (uint256 i; i < net.j; ++i) _put16(out, k++, net.v[i]);
        for (uint256 i; i < net.n; ++i) _put16(out, k++, net.a[i]);
        _put16(out, k, net.b);
    }

    function _weights(Net memory net, uint256 kernel, uint256 laneBits, uint256 lanes, uint256 units)
        private
        pure
        returns (bytes memory out)
    {
        if (kernel == 0) {
            out = new bytes(2 * net.n * net.j);
            for (uint256 i; i < net.n * net.j; ++i) _put16(out, i, net.W[i]);
            return out;
        }
        out = new bytes(32 * net.n * units);
        for (uint256 g; g < units; ++g) {
            for (uint256 i; i < net.n; ++i) {
                uint256 word;
                for (uint256 l; l < lanes && g * lanes + l < net.j; ++l) {
                    word |= uint256(net.W[(g * lanes + l) * net.n + i] + 32768) << (laneBits * l);
                }
                uint256 at = 32 * (g * net.n + i);
                assembly {
                    mstore(add(add(out, 32), at), word)
                }
            }
        }
    }

    function _put16(bytes memory out, uint256 index, int256 q) private pure {
        require(q >= -32768 && q < 32768, "16-bit");
        uint16 u = uint16(uint256(q) & 0xffff);
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
