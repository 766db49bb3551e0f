// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// @dev Observations kept per pool. File-level so other contracts can size storage arrays with it.
uint256 constant OBSERVATION_CAPACITY = 256;

/// @title VolatilityOracle
/// @notice A ring buffer of per-period close ticks and the realized-variance features computed from it,
/// exactly as model/SPEC.md §1-2 define them.
/// @dev Observation `i` (in append order) lives at ring index `i % CAPACITY`. Cumulative sums are kept
/// modulo 2^96 and only their differences are used, so they never need to be checked for overflow.
///
/// Why CAPACITY = 256 is enough for the hook: a feature computation as of period `A` with staleness
/// `current - A <= 15` reads at most the last `240 + 15` observations. Periods strictly increase from one
/// observation to the next and every observation, the pending close included, has a period
/// `<= current - 1`; so at most `(current - 1) - (A - 240) <= 254` of them have a period above the boundary
/// `A - 240`, and the boundary observation (the last one at or below it) is at most 255 entries back. The
/// ring keeps the last 256 stored ones. `_countThrough` still checks it, for any other as-of period.
library VolatilityOracle {
    /// @notice Thrown when a window reaches back to observations the ring has already overwritten
    error ObservationOverwritten();

    uint256 internal constant CAPACITY = OBSERVATION_CAPACITY;
    /// @notice Up/down features saturate here so the circuit can range-check them in 32 bits
    uint256 internal constant FEATURE_MAX = type(uint32).max;
    /// @notice Marks a memo of window boundaries: lanes of 32 bits hold asOf, then k(asOf - l) for l in
    /// [0, 1, 5, 30, 240]; zero (or any value without this bit) is no memo
    uint256 internal constant MEMO_VALID = 1 << 192;

    // Bit offsets of an Observation's fields in its storage word; period is at bit 0
    uint256 private constant TICK_SHIFT = 32;
    uint256 private constant CUM_UP_SHIFT = 56;
    uint256 private constant CUM_DOWN_SHIFT = 152;

    /// @notice The close of one traded period; fits one storage slot (32 + 24 + 96 + 96 bits)
    struct Observation {
        // period index, floor(timestamp / period)
        uint32 period;
        // the pool tick when the period closed
        int24 tick;
        // sum of squared positive tick changes since the first observation, mod 2^96
        uint96 cumUp;
        // sum of squared negative tick changes since the first observation, mod 2^96
        uint96 cumDown;
    }

    /// @dev The stored observations plus, optionally, the pending close appended virtually at index `count`.
    /// Observations are handled as their packed storage words, one SLOAD each, in the layout Solidity gives
    /// the struct above (see the *_SHIFT constants).
    struct Series {
        uint256 count;
        uint256 length;
        uint256 lastPeriod;
        uint256 pending;
        // set when the last count found shows untraded periods between its bound and lastPeriod: the next
        // search then bisects right away instead of first probing its lower end (the answer when all traded)
        bool sparse;
    }

    /// @notice The observation that appending `(period, tick)` after `count` stored ones produces.
    /// @dev The hook stores exactly this at the next swap and uses it as the pending close before then,
    /// so the two can never disagree.
    function next(Observation[OBSERVATION_CAPACITY] storage self, uint256 count, uint32 period, int24 tick)
        internal
        view
        returns (Observation memory o)
    {
        uint256 word = _next(self, count, period, tick);
        (o.period, o.tick) = (uint32(word), _tick(word));
        (o.cumUp, o.cumDown) = _cumulatives(word);
    }

    /// @notice Appends `(period, tick)` as observation number `count`
    function write(Observation[OBSERVATION_CAPACITY] storage self, uint256 count, uint32 period, int24 tick) internal {
        uint256 word = _next(self, count, period, tick);
        uint256 index = count % CAPACITY;
        assembly ("memory-safe") {
            sstore(add(self.slot, index), word)
        }
    }

    /// @notice Puts a nonzero placeholder in the empty ring slots in `[from, to)`, so the swap that later
    /// writes a real observation there pays for a nonzero-to-nonzero store instead of a fresh slot.
    /// @dev As in v3's Oracle.grow. Only indices at or above `count` are touched: they were never written,
    /// are never read, and hold either zero or the placeholder.
    function prefill(Observation[OBSERVATION_CAPACITY] storage self, uint256 count, uint256 from, uint256 to) internal {
        if (to > CAPACITY) to = CAPACITY;
        for (uint256 i = from < count ? count : from; i < to; ++i) {
            if (self[i].period == 0) self[i].period = 1;
        }
    }

    /// @notice The 12 raw features as of period `asOf` (SPEC §2):
    /// [up_1, up_5, up_30, up_240, down_1, down_5, down_30, down_240, n_1, n_5, n_30, n_240]
    /// @param count The number of stored observations
    /// @param hasPending Whether a pending close `(pendingPeriod, pendingTick)` follows them (see `next`); its
    /// period must be above every stored one
    /// @param memo The `newMemo` of an earlier call on the same pool, or anything without MEMO_VALID
    /// @return f The features
    /// @return newMemo The window boundaries found, which narrow the searches of any later call
    /// @dev The caller guarantees that `asOf` is a completed period, so nothing at or before it can still change.
    function features(
        Observation[OBSERVATION_CAPACITY] storage self,
        uint256 count,
        bool hasPending,
        uint32 pendingPeriod,
        int24 pendingTick,
        uint32 asOf,
        uint256 memo
    ) internal view returns (uint256[12] memory f, uint256 newMemo) {
        unchecked {
            Series memory s;
            s.count = count;
            if (hasPending) {
                s.length = count + 1;
                s.pending = _next(self, count, pendingPeriod, pendingTick);
                s.lastPeriod = pendingPeriod;
            } else if (count > 0) {
                s.length = count;
                s.lastPeriod = uint32(_load(self, count - 1));
            }
            (f, newMemo) = _features(self, s, asOf, memo);
        }
    }

    /// @dev For j = 0..4, the count k_j through asOf - [0, 1, 5, 30, 240][j] and the sums of observation
    /// k_j - 1 (all zero when k_j = 0); window j's features are the differences from j = 0. Each bound is
    /// below the previous one, so each count is at most the previous count.
    function _features(Observation[OBSERVATION_CAPACITY] storage self, Series memory s, uint32 asOf, uint256 memo)
        private
        view
        returns (uint256[12] memory f, uint256 newMemo)
    {
        unchecked {
            newMemo = MEMO_VALID | asOf;
            uint256 k = s.length;
            uint256 kA;
            uint256 wordA;
            for (uint256 j; j < 5; ++j) {
                (uint256 lo, uint256 hi) = _memoBounds(memo, j, asOf);
                k = _countThrough(self, s, int256(uint256(asOf)) - int256(_lookback(j)), lo, hi < k ? hi : k);
                newMemo |= k << (32 * (j + 1));
                uint256 word = k == 0 ? 0 : _at(self, s, k - 1);
                if (j == 0) {
                    (kA, wordA) = (k, word);
                    continue;
                }
                // cumulative sums are mod 2^96: their difference wraps back to the exact sum
                f[j - 1] = _saturate(uint96(wordA >> CUM_UP_SHIFT) - uint96(word >> CUM_UP_SHIFT));
                f[3 + j] = _saturate(uint96(wordA >> CUM_DOWN_SHIFT) - uint96(word >> CUM_DOWN_SHIFT));
                f[7 + j] = kA - k;
            }
        }
    }

    /// @notice k(bound): the number of observations with `period <= bound`, known to lie in `[lo, hi]`
    /// @dev Periods strictly increase, so at most `lastPeriod - bound` observations lie above `bound`: the
    /// search covers only those (at most h + staleness entries for a window of h periods). While every
    /// period has traded it probes that lower end first, which is then the answer outright.
    function _countThrough(
        Observation[OBSERVATION_CAPACITY] storage self,
        Series memory s,
        int256 bound,
        uint256 lo,
        uint256 hi
    ) private view returns (uint256) {
        unchecked {
            if (bound < 0) return 0;
            if (uint256(bound) >= s.lastPeriod) return s.length;
            uint256 gap = s.lastPeriod - uint256(bound);
            // if every period in (bound, lastPeriod] traded, the count is exactly this
            uint256 dense = s.length > gap ? s.length - gap : 0;
            if (dense > lo) lo = dense;
            // The search reads observation lo - 1 at the lowest; the ring holds those at or above count - CAPACITY.
            if (s.count > CAPACITY && lo + CAPACITY <= s.count) revert ObservationOverwritten();
            uint256 mid = s.sparse ? (lo + hi) >> 1 : lo;
            (uint256 count, uint256 pendingPeriod) = (s.count, uint32(s.pending));
            while (lo < hi) {
                if ((mid == count ? pendingPeriod : uint32(_load(self, mid))) <= uint256(bound)) lo = mid + 1;
                else hi = mid;
                mid = (lo + hi) >> 1;
            }
            s.sparse = lo != dense;
            return lo;
        }
    }

    /// @dev What a memo of an earlier call says about count j now. Between two as-of periods d apart, each
    /// boundary moves by d periods, and holds at most d more (or fewer) observations, one per period.
    function _memoBounds(uint256 memo, uint256 j, uint32 asOf) private pure returns (uint256 lo, uint256 hi) {
        unchecked {
            if (memo & MEMO_VALID == 0) return (0, type(uint256).max);
            uint256 then = uint32(memo);
            uint256 k = uint32(memo >> (32 * (j + 1)));
            if (asOf >= then) return (k, k + (asOf - then));
            uint256 d = then - asOf;
            return (k > d ? k - d : 0, k);
        }
    }

    /// @dev The packed word of observation `i` of the series: stored, or the pending close at index `count`
    function _at(Observation[OBSERVATION_CAPACITY] storage self, Series memory s, uint256 i)
        private
        view
        returns (uint256)
    {
        return i == s.count ? s.pending : _load(self, i);
    }

    function _next(Observation[OBSERVATION_CAPACITY] storage self, uint256 count, uint32 period, int24 tick)
        private
        view
        returns (uint256)
    {
        if (count == 0) return _pack(period, tick, 0, 0);
        uint256 last = _load(self, count - 1);
        (uint96 up, uint96 down) = _cumulatives(last);
        unchecked {
            // |d| <= 2 * 887272, so d * d < 2^42
            int256 d = int256(tick) - _tick(last);
            uint96 sq = uint96(uint256(d * d));
            if (d > 0) up += sq;
            else down += sq;
        }
        return _pack(period, tick, up, down);
    }

    /// @dev The packed word of stored observation `i`; each Observation fills exactly one slot
    function _load(Observation[OBSERVATION_CAPACITY] storage self, uint256 i) private view returns (uint256 word) {
        uint256 index = i % CAPACITY;
        assembly ("memory-safe") {
            word := sload(add(self.slot, index))
        }
    }

    function _pack(uint32 period, int24 tick, uint96 up, uint96 down) private pure returns (uint256) {
        return uint256(period) | uint256(uint24(tick)) << TICK_SHIFT | uint256(up) << CUM_UP_SHIFT | uint256(down)
            << CUM_DOWN_SHIFT;
    }

    function _tick(uint256 word) private pure returns (int24) {
        return int24(uint24(word >> TICK_SHIFT));
    }

    function _cumulatives(uint256 word) private pure returns (uint96 up, uint96 down) {
        return (uint96(word >> CUM_UP_SHIFT), uint96(word >> CUM_DOWN_SHIFT));
    }

    /// @dev 0, then the horizons H = [1, 5, 30, 240]
    function _lookback(uint256 j) private pure returns (uint256) {
        return j == 0 ? 0 : j == 1 ? 1 : j == 2 ? 5 : j == 3 ? 30 : 240;
    }

    function _saturate(uint256 v) private pure returns (uint256) {
        return v > FEATURE_MAX ? FEATURE_MAX : v;
    }
}
