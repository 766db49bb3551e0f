// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

import {BaseHook} from "@openzeppelin/uniswap-hooks/base/BaseHook.sol";
import {Hooks} from "@uniswap/v4-core/src/libraries/Hooks.sol";
import {IPoolManager} from "@uniswap/v4-core/src/interfaces/IPoolManager.sol";
import {PoolKey} from "@uniswap/v4-core/src/types/PoolKey.sol";
import {PoolId} from "@uniswap/v4-core/src/types/PoolId.sol";
import {LPFeeLibrary} from "@uniswap/v4-core/src/libraries/LPFeeLibrary.sol";
import {StateLibrary} from "@uniswap/v4-core/src/libraries/StateLibrary.sol";
import {BeforeSwapDelta, BeforeSwapDeltaLibrary} from "@uniswap/v4-core/src/types/BeforeSwapDelta.sol";
import {SwapParams} from "@uniswap/v4-core/src/types/PoolOperation.sol";
import {IGroth16Verifier} from "./interfaces/IGroth16Verifier.sol";
import {VarianceOracle} from "./libraries/VarianceOracle.sol";
import {PublicSignals} from "./libraries/PublicSignals.sol";
import {OnchainModels} from "./onchain/OnchainModels.sol";

/// @title ProvenFeeHook
/// @notice Dynamic-fee pools whose LP fee is set by anyone holding a zk proof that a committed volatility
/// model, run on this hook's own on-chain features, outputs that fee (model/SPEC.md).
/// @dev Built on BaseHook rather than BaseDynamicFee: BaseDynamicFee sets the first fee in afterInitialize,
/// but pools here are only initialized by the hook itself (createPool), and v4 never calls a hook back for
/// its own actions (Hooks.noSelfCall), so that callback would be dead code; and its `_poke(_getFee(key))`
/// pattern assumes a fee the hook can compute, whereas here the fee is a caller's proven value.
contract ProvenFeeHook is BaseHook {
    using LPFeeLibrary for uint24;
    using StateLibrary for IPoolManager;

    /// @notice The pool key does not name this hook
    error HookMismatch();
    /// @notice The pool's fee is not the dynamic-fee flag
    error NotDynamicFee();
    /// @notice Pools using this hook can only be initialized through createPool
    error NotCreatedThroughHook();
    /// @notice The pool was not created through this hook
    error UnknownPool();
    error ModelNotRegistered(uint256 commitment, uint32 period);
    error ModelPeriodZero();
    /// @notice A commitment must be a BN254 field element, or no proof could ever verify against it
    error CommitmentNotInField();
    /// @notice Fee bounds must satisfy poolFeeMin <= fallbackFee <= poolFeeMax <= 1_000_000
    error InvalidFeeBounds();
    error InvalidMaxStaleness();
    error InvalidLiveness();
    error PeriodNotCompleted(uint32 asOfPeriod, uint32 currentPeriod);
    error PeriodNotNewer(uint32 asOfPeriod, uint32 lastUpdatePeriod);
    error PeriodTooOld(uint32 asOfPeriod, uint32 currentPeriod);
    error FeeOutOfBounds(uint24 fee);
    error InvalidProof();
    /// @notice A proof coordinate is not below the BN254 base field modulus: no point, and the pairing
    /// precompile would consume all the gas it was given on it
    error ProofNotInField();
    /// @notice A proof point is neither on its curve (A and C on G1, B on the G2 twist) nor the point at
    /// infinity: malformed (a wrong coordinate order, say), refused before the precompiles burn gas on it
    error ProofNotOnCurve();
    /// @notice The verifier could not run to the end on the gas left: `available` before the call, `required`
    /// by a full verification. Not a verdict on the proof: resend with a higher gas limit.
    error VerifierOutOfGas(uint256 available, uint256 required);
    /// @notice The published forecast is a 38-bit lane (SPEC §5); anything larger cannot be the model's
    error ForecastOutOfRange(uint256 forecast);
    error NotAdmin();
    error NoPendingModel();
    error ModelChangeNotReady(uint64 readyAt);
    /// @notice createPool needs a commitPool by the same sender to exactly these terms and salt
    error PoolNotCommitted();
    /// @notice A commitment is usable from the block after the one it was made in
    error PoolCommitmentTooRecent(uint256 committedAt);
    /// @notice A commitment is usable for POOL_COMMITMENT_LIFETIME blocks after the one it was made in
    error PoolCommitmentExpired(uint256 committedAt);
    /// @notice updateFees takes batches of exactly 2, 4 or 8 pools, and only sizes this hook has a verifier for
    error BatchSizeUnsupported(uint256 size);
    /// @notice A batch names a pool at most once (entries `first` and `second` name the same one)
    error DuplicatePool(uint256 first, uint256 second);
    /// @notice Every entry of the batch was stale or already updated: there is nothing to apply
    error NoFreshEntry();
    /// @notice batchContextOf needs one as-of period per pool key
    error LengthMismatch(uint256 keys, uint256 asOfPeriods);
    /// @notice A registration's horizon must be at least one period
    error HorizonZero();
    /// @notice This hook was deployed without an OnchainModels contract: it has no `onchain` mode
    error OnchainModeDisabled();
    /// @notice The pool's verification mode is not the one this call serves (updateFee and updateFees: `zk`;
    /// updateFeeOnchain: `onchain`), or a createPool's config names another mode than its model's; `mode` is the
    /// pool's, or at createPool the model's
    error VerificationMismatch(Verification mode);

    event ModelRegistered(uint256 indexed commitment, uint32 period, uint16 horizon, string uri, address registrant);
    event PoolCommitted(address indexed creator, bytes32 indexed commitment);
    event PoolCreated(PoolId indexed id, uint256 indexed commitment, PoolConfig config);
    /// @param forecast The model's proven forecast: log2 of the tick-move variance over its horizon, at
    /// scale 2^32 (SPEC §5)
    event FeeUpdated(
        PoolId indexed id,
        uint32 indexed asOfPeriod,
        uint256[5] features,
        uint24 fee,
        uint64 forecast,
        uint256 commitment,
        address keeper
    );
    event FallbackActivated(PoolId indexed id, uint32 period, uint24 fee);
    /// @notice A batch entry that updateFees verified but did not apply: its as-of period is not newer than
    /// the pool's last update (a rival landed first) or is more than maxStalenessPeriods old
    event FeeUpdateSkipped(PoolId indexed id, uint32 indexed asOfPeriod, uint32 lastUpdatePeriod, uint32 currentPeriod);
    event ModelProposed(PoolId indexed id, uint256 indexed commitment, uint64 readyAt);
    event ModelChangeCancelled(PoolId indexed id, uint256 indexed commitment);
    event ModelApplied(PoolId indexed id, uint256 indexed commitment, uint256 previousCommitment);
    event AdminTransferred(PoolId indexed id, address indexed previousAdmin, address indexed newAdmin);

    /// @notice How a pool's fee updates are verified. `zk`: a Groth16 proof that the committed model (weights
    /// private) outputs the fee (updateFee, updateFees). `onchain`: the model's weights are public (published in
    /// OnchainModels, hashed there to the commitment) and the hook evaluates it itself (updateFeeOnchain), no proof.
    /// A pool's mode is its model's at creation and at each applyModel: registerOnchainModel makes a commitment an
    /// `onchain` one, registerModel a `zk` one.
    enum Verification {
        Zk,
        Onchain
    }

    /// @notice What a pool creator chooses
    struct PoolConfig {
        // the model whose proofs set the fee
        uint256 commitment;
        // bounds every proven fee must respect, in pips
        uint24 poolFeeMin;
        uint24 poolFeeMax;
        // the fee at creation and whenever no update has landed for livenessPeriods periods
        uint24 fallbackFee;
        // seconds per period; 0 means DEFAULT_PERIOD
        uint32 period;
        // how many periods old an update's as-of period may be, 1..MAX_STALENESS
        uint8 maxStalenessPeriods;
        uint32 livenessPeriods;
        // may propose model changes; zero freezes the model
        address admin;
        // how updates are checked: must be the mode of `commitment` (registerModel: Zk, registerOnchainModel:
        // Onchain), so that a creator states it and nobody is surprised; poolConfig shows the mode in force,
        // which a timelocked model change can switch
        Verification verification;
    }

    /// @notice Everything a swap reads, packed into one slot in this order from bit 0 (see the *_SHIFT constants)
    struct PoolState {
        uint32 period;
        // the period of the last swap, valid once hasSwapped
        uint32 lastSwapPeriod;
        // the as-of period of the last accepted update
        uint32 lastUpdatePeriod;
        // the first period in which the fallback fee applies unless a newer update lands
        uint32 liveUntil;
        uint32 livenessPeriods;
        uint24 fallbackFee;
        uint8 maxStalenessPeriods;
        bool hasSwapped;
        bool onFallback;
        // whether a period has closed yet, and at which tick the last one closed (SPEC §1)
        bool hasClose;
        int24 lastCloseTick;
        // the forecast proven by the last accepted update (SPEC §5, < 2^38; see Forecast), 0 before any
        uint64 forecast;
        // whether applyModel has changed the pool's model since that update (forecastOf then names the previous one)
        bool forecastOfPreviousModel;
    }

    struct PoolTerms {
        uint256 commitment;
        address admin;
        uint24 poolFeeMin;
        uint24 poolFeeMax;
        Verification verification;
    }

    struct ModelChange {
        uint256 commitment;
        uint64 readyAt;
    }

    /// @notice The proven forecast behind a pool's current fee (forecastOf)
    struct Forecast {
        // SPEC §5's s: log2 of the variance of tick moves (1 tick = 1 bp of price) summed over the next
        // `horizon` periods, at scale 2^32, in [0, 48 * 2^32). The variance is fastExp2(forecast / 2^32) ticks^2,
        // the volatility fastExp2(forecast / 2^33) ticks. 0 when no update has landed yet.
        uint64 forecast;
        // the completed period whose features produced it; 0: no update has landed since the pool was created
        uint32 asOfPeriod;
        // the pool's period index now, so a consumer can bound currentPeriod - asOfPeriod itself
        uint32 currentPeriod;
        // the model's forecast horizon in periods, as registered (see modelHorizon: a claim in zk mode, 0 when
        // registrations disagree)
        uint16 horizon;
        // false once the pool is on its fallback fee (no update for livenessPeriods periods, or none yet): the
        // forecast is then the last proven one but no longer sets the fee
        bool live;
        // the model that produced it (the pool's commitment at the time of the update)
        uint256 commitment;
        // seconds per period
        uint32 period;
    }

    /// @notice The verifiers of the batch circuits (prover/circuits/batch/): one per batch size, address(0)
    /// where the hook takes no batches of that size
    struct BatchVerifiers {
        address two;
        address four;
        address eight;
    }

    /// @notice One pool's update in a batch (updateFees)
    struct BatchEntry {
        PoolKey key;
        uint32 asOfPeriod;
        uint24 fee;
        uint64 forecast;
        // the features the proof was made on, packed as SPEC §7's featureWord; read only for an entry that
        // is skipped, whose features the hook may no longer be able to rebuild (it is verified, not applied)
        uint256 featureWord;
    }

    uint256 private constant LAST_SWAP_PERIOD_SHIFT = 32;
    uint256 private constant LAST_UPDATE_PERIOD_SHIFT = 64;
    uint256 private constant LIVE_UNTIL_SHIFT = 96;
    uint256 private constant LIVENESS_PERIODS_SHIFT = 128;
    uint256 private constant FALLBACK_FEE_SHIFT = 160;
    // maxStalenessPeriods <= MAX_STALENESS = 15 is stored in 4 bits, which leaves room for the forecast
    uint256 private constant MAX_STALENESS_SHIFT = 184;
    uint256 private constant HAS_SWAPPED_SHIFT = 188;
    uint256 private constant ON_FALLBACK_SHIFT = 189;
    uint256 private constant HAS_CLOSE_SHIFT = 190;
    uint256 private constant LAST_CLOSE_TICK_SHIFT = 191;
    uint256 private constant FORECAST_SHIFT = 215;
    uint256 private constant FORECAST_OF_PREVIOUS_MODEL_SHIFT = 253;
    uint256 private constant FORECAST_MAX = (1 << 38) - 1;
    /// @dev modelHorizon's marker of registrations that disagree on a model's horizon
    uint32 private constant HORIZON_DISPUTED = 1 << 16;
    /// @dev modelHorizon's marker of a horizon read from published weights (registerOnchainModel): proven, final
    uint32 private constant HORIZON_PROVEN = 1 << 17;

    uint32 public constant DEFAULT_PERIOD = 60;
    /// @notice How old an update's as-of period may be at most; a fee for a long-gone period protects nobody
    uint8 public constant MAX_STALENESS = 15;
    /// @notice Gives LPs time to leave before a model they did not sign up for sets their fee
    uint64 public constant MODEL_CHANGE_DELAY = 1 days;
    /// @notice Blocks after its own that a pool commitment can be revealed in: long enough for any creator
    /// (about 51 minutes at 12-second blocks), short enough that holding a standing blind commitment to a key
    /// one hopes to squat means paying for a fresh one again and again
    uint256 public constant POOL_COMMITMENT_LIFETIME = 256;
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev BN254's base field modulus: every proof coordinate must be below it
    uint256 internal constant BASE_FIELD =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @dev The G2 twist y^2 = x^3 + 3 / (9 + u): the real and imaginary parts of 3 / (9 + u)
    uint256 internal constant TWIST_B_RE =
        19485874751759354771024239261021720505790618469301721065564631296452457478373;
    uint256 internal constant TWIST_B_IM =
        266929791119991161246907387137283842545076965332900288569378510910307636690;
    /// @notice Gas left that updateFee requires before calling the verifier: 63/64 of it covers a full
    /// verification (about 207,000 at the EIP-1108 precompile prices: 4 ecMul, 4 ecAdd, a 4-pair pairing) with
    /// a margin, and what is left after a verifier that ran out of gas (about 1/32 of this, see _verify) stays
    /// well below what is left after one that ran to the end and said no (over 25,000)
    uint256 public constant VERIFIER_GAS = 240_000;
    /// @dev verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[k]) of the batch verifiers, k public signals
    bytes4 internal constant VERIFY_PROOF_6 = bytes4(keccak256("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[6])"));
    bytes4 internal constant VERIFY_PROOF_11 =
        bytes4(keccak256("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[11])"));
    bytes4 internal constant VERIFY_PROOF_20 =
        bytes4(keccak256("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[20])"));
    /// @dev What the snarkjs verifier keeps for itself around each precompile call (`sub(gas(), 2000)`), plus
    /// the few hundred gas of returning
    uint256 internal constant VERIFIER_RESERVE = 2_500;

    /// @notice The snarkjs verifier of the one fee circuit; every model is just a public commitment to it
    IGroth16Verifier public immutable verifier;
    /// @notice The snarkjs verifiers of the batch circuits of 2, 4 and 8 pools (address(0): no batches of that size)
    address public immutable batchVerifier2;
    address public immutable batchVerifier4;
    address public immutable batchVerifier8;
    /// @notice Where `onchain` models' weights are published (address(0): this hook has no `onchain` mode)
    OnchainModels public immutable onchainModels;

    /// @notice Which (commitment, period) pairs pools may use. A registration is a claim, not a proof:
    /// the period is inside the commitment, and only the true one yields verifying proofs. Keying by
    /// the pair means nobody can squat a commitment by registering it first with a wrong period.
    mapping(uint256 commitment => mapping(uint32 period => bool)) public isModelRegistered;
    /// @dev PoolState, packed by _loadState/_storeState (one slot, read by every swap)
    mapping(PoolId => uint256) internal _states;
    mapping(PoolId => PoolTerms) internal _terms;
    mapping(PoolId => ModelChange) internal _modelChanges;
    /// @dev The variance state of SPEC §1, one word per pool (VarianceOracle)
    mapping(PoolId => uint256) internal _variances;
    /// @notice The block each creator committed to each pool commitment in (0: none). Keyed by creator too, so
    /// that nobody can re-commit a hash seen in someone else's commitPool and so push its block forward.
    mapping(address creator => mapping(bytes32 commitment => uint256 blockNumber)) public poolCommitments;
    /// @dev The commitment that produced a pool's last forecast, kept only when applyModel has changed the pool's
    /// model since (PoolState.forecastOfPreviousModel); otherwise it is the pool's current commitment. The forecast
    /// itself rides in the state slot every update writes anyway, so keeping it costs an update nothing.
    mapping(PoolId => uint256) internal _forecastCommitments;
    /// @dev The horizon registrations claim for (commitment, period), HORIZON_DISPUTED once two disagree
    mapping(uint256 commitment => mapping(uint32 period => uint32)) internal _horizons;
    /// @notice (Declared last, so the older slots keep their numbers.) Commitments registered through registerOnchainModel: pools that take one are `onchain` pools
    mapping(uint256 commitment => bool) public isOnchainModel;

    constructor(
        IPoolManager _poolManager,
        IGroth16Verifier _verifier,
        BatchVerifiers memory _batchVerifiers,
        OnchainModels _onchainModels
    ) BaseHook(_poolManager) {
        onchainModels = _onchainModels;
        verifier = _verifier;
        batchVerifier2 = _batchVerifiers.two;
        batchVerifier4 = _batchVerifiers.four;
        batchVerifier8 = _batchVerifiers.eight;
    }

    modifier onlyAdmin(PoolId id) {
        if (msg.sender != _terms[id].admin) revert NotAdmin();
        _;
    }

    /// @inheritdoc BaseHook
    function getHookPermissions() public pure override returns (Hooks.Permissions memory permissions) {
        permissions.beforeInitialize = true;
        permissions.beforeSwap = true;
    }

    // ---------------------------------------------------------------- models

    /// @notice Registers a model commitment (SPEC §6) for pools of `period`; anyone may, and registering
    /// an existing pair again only publishes another claim (event) about it
    /// @param period The model's period in seconds, which a pool must share to use it
    /// @param horizon The forecast horizon in periods (informational: the registrant's claim)
    /// @param uri Where to fetch the model file, whose own commitment check settles every claim
    /// @dev The horizon is inside the commitment (SPEC §6) but not a public signal, so the hook cannot check it;
    /// it keeps the claim for forecastOf only while every registration of the pair agrees, and 0 once two
    /// disagree: a wrong first claim is undone by anyone registering the true one, never turned into a lie.
    function registerModel(uint256 commitment, uint32 period, uint16 horizon, string calldata uri) external {
        if (commitment >= SNARK_SCALAR_FIELD) revert CommitmentNotInField();
        if (period == 0) revert ModelPeriodZero();
        if (horizon == 0) revert HorizonZero();
        if (!isModelRegistered[commitment][period]) isModelRegistered[commitment][period] = true;
        uint32 claimed = _horizons[commitment][period];
        if (claimed == 0) _horizons[commitment][period] = horizon;
        else if (claimed != horizon && claimed & (HORIZON_DISPUTED | HORIZON_PROVEN) == 0) {
            _horizons[commitment][period] = HORIZON_DISPUTED;
        }
        emit ModelRegistered(commitment, period, horizon, uri, msg.sender);
    }

    /// @notice Registers a model published in onchainModels (its words hashed there to `commitment`) as an `onchain`
    /// model: pools that take it are evaluated by the hook, without proofs. Its period and horizon come from the
    /// published policy word, so they are proven, not claimed. Anyone may; registering again changes nothing.
    function registerOnchainModel(uint256 commitment) external {
        if (address(onchainModels) == address(0)) revert OnchainModeDisabled();
        (uint32 period, uint16 horizon) = onchainModels.periodAndHorizonOf(commitment);
        isModelRegistered[commitment][period] = true;
        isOnchainModel[commitment] = true;
        _horizons[commitment][period] = HORIZON_PROVEN | horizon;
        emit ModelRegistered(commitment, period, horizon, "", msg.sender);
    }

    // ---------------------------------------------------------------- pools

    /// @notice Step one of creating a pool: commits the sender to a pool key, initial price and terms without
    /// revealing them. commitment = poolCommitmentOf(key, sqrtPriceX96, config, sender, salt), salt secret.
    /// @dev Why two steps: a pool key names only the currencies, tick spacing and this hook, not the terms, so
    /// whoever initializes a key first sets its terms for good. A front-runner who learns the key and terms
    /// from a createPool in the mempool now needs a commitment a block older than that createPool, so the
    /// creator's lands first. What this does not stop: someone who commits in advance, blindly, to plausible
    /// keys with their own terms, renewing every POOL_COMMITMENT_LIFETIME blocks, and reveals when they see a
    /// creator's createPool (or simply creates those pools first). Against that, creators send createPool
    /// privately or promptly, read the terms back after creation (provenfee deploy does), and LPs read
    /// poolConfig, not just the key.
    function commitPool(bytes32 commitment) external {
        poolCommitments[msg.sender][commitment] = block.number;
        emit PoolCommitted(msg.sender, commitment);
    }

    /// @notice The commitment commitPool expects for createPool(key, sqrtPriceX96, config, salt) sent by `creator`
    function poolCommitmentOf(
        PoolKey calldata key,
        uint160 sqrtPriceX96,
        PoolConfig calldata config,
        address creator,
        bytes32 salt
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(key, sqrtPriceX96, config, creator, salt));
    }

    /// @notice Step two: creates and initializes a pool governed by this hook, the only way to initialize one.
    /// Needs the sender's commitPool to exactly these arguments and `salt`, made in an earlier block and at most
    /// POOL_COMMITMENT_LIFETIME blocks ago; the commitment is used up. The terms are checked before the
    /// commitment, so an eth_call tells a creator about bad terms before committing to them.
    /// @return id The new pool's id
    function createPool(PoolKey calldata key, uint160 sqrtPriceX96, PoolConfig calldata config, bytes32 salt)
        external
        returns (PoolId id)
    {
        if (address(key.hooks) != address(this)) revert HookMismatch();
        if (!key.fee.isDynamicFee()) revert NotDynamicFee();
        uint32 period = config.period == 0 ? DEFAULT_PERIOD : config.period;
        _checkModel(config.commitment, period);
        if (
            config.poolFeeMin > config.fallbackFee || config.fallbackFee > config.poolFeeMax
                || config.poolFeeMax > LPFeeLibrary.MAX_LP_FEE
        ) revert InvalidFeeBounds();
        if (config.maxStalenessPeriods == 0 || config.maxStalenessPeriods > MAX_STALENESS) {
            revert InvalidMaxStaleness();
        }
        if (config.livenessPeriods == 0) revert InvalidLiveness();
        if (config.verification != _verificationOf(config.commitment)) {
            revert VerificationMismatch(_verificationOf(config.commitment));
        }
        _usePoolCommitment(poolCommitmentOf(key, sqrtPriceX96, config, msg.sender, salt));

        id = key.toId();
        _storeState(
            id,
            PoolState({
                period: period,
                lastSwapPeriod: 0,
                lastUpdatePeriod: 0,
                liveUntil: 0,
                livenessPeriods: config.livenessPeriods,
                fallbackFee: config.fallbackFee,
                maxStalenessPeriods: config.maxStalenessPeriods,
                hasSwapped: false,
                onFallback: true,
                hasClose: false,
                lastCloseTick: 0,
                forecast: 0,
                forecastOfPreviousModel: false
            })
        );
        _terms[id] = PoolTerms(config.commitment, config.admin, config.poolFeeMin, config.poolFeeMax, config.verification);
        // A nonzero placeholder (read only once hasClose is set, which overwrites it), so the swap that
        // records the first close pays for a nonzero-to-nonzero store instead of a fresh slot.
        _variances[id] = 1;

        // Reverts for a pool that already exists, undoing the writes above. v4 does not call a hook back
        // for its own initialize, so the initial fee is set here rather than in afterInitialize.
        poolManager.initialize(key, sqrtPriceX96);
        poolManager.updateDynamicLPFee(key, config.fallbackFee);
        emit PoolCreated(id, config.commitment, config);
    }

    // ---------------------------------------------------------------- hook callbacks

    /// @dev Any initialize not coming from createPool reaches this callback, because v4 skips it for the hook's own.
    function _beforeInitialize(address, PoolKey calldata, uint160) internal pure override returns (bytes4) {
        revert NotCreatedThroughHook();
    }

    /// @dev Records the close of the last traded period at the first swap of a new one, before the swap
    /// moves the price (SPEC §1): the variance state changes only if the close moved the tick. Falls back to the fallback fee once the keeper has been silent for
    /// livenessPeriods periods, so a dead keeper cannot freeze a stale low fee. A swap that does neither
    /// only reads the one state slot.
    function _beforeSwap(address, PoolKey calldata key, SwapParams calldata, bytes calldata)
        internal
        virtual
        override
        returns (bytes4, BeforeSwapDelta, uint24)
    {
        PoolId id = _poolId(key);
        // The fast path reads only what it needs from the packed state; a swap that neither opens a period
        // nor finds the fee lapsed costs one SLOAD
        uint256 word = _states[id];
        uint32 p = uint32(block.timestamp / uint32(word));
        bool samePeriod = p == uint32(word >> LAST_SWAP_PERIOD_SHIFT) && (word >> HAS_SWAPPED_SHIFT) & 1 != 0;
        bool live = (word >> ON_FALLBACK_SHIFT) & 1 != 0 || p < uint32(word >> LIVE_UNTIL_SHIFT);
        if (!samePeriod || !live) _onNewPeriodOrLapse(key, id, p);
        return (this.beforeSwap.selector, BeforeSwapDeltaLibrary.ZERO_DELTA, 0);
    }

    function _onNewPeriodOrLapse(PoolKey calldata key, PoolId id, uint32 p) internal {
        PoolState memory s = _loadState(id);
        if (p != s.lastSwapPeriod || !s.hasSwapped) {
            if (s.hasSwapped) {
                (, int24 tick,,) = poolManager.getSlot0(id);
                if (!s.hasClose || tick != s.lastCloseTick) {
                    (_variances[id],) =
                        VarianceOracle.record(_variances[id], s.hasClose, s.lastCloseTick, s.lastSwapPeriod, tick);
                    (s.hasClose, s.lastCloseTick) = (true, tick);
                }
            }
            s.lastSwapPeriod = p;
            s.hasSwapped = true;
        }
        if (!s.onFallback && p >= s.liveUntil) {
            s.onFallback = true;
            // applies to this very swap: the PoolManager reads the fee after beforeSwap returns
            poolManager.updateDynamicLPFee(key, s.fallbackFee);
            emit FallbackActivated(id, p, s.fallbackFee);
        }
        _storeState(id, s);
    }

    /// @dev PoolKey.toId straight from calldata, without first decoding the key into memory
    function _poolId(PoolKey calldata key) internal pure returns (PoolId id) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, key, 0xa0)
            id := keccak256(ptr, 0xa0)
        }
    }

    // ---------------------------------------------------------------- fee updates

    /// @notice Sets the pool's LP fee to `fee`, given a proof that the pool's model outputs `fee` and
    /// `forecast` on the features as of `asOfPeriod`; permissionless
    /// @dev The hook computes the features, pool terms and context itself; only the fee and the forecast come
    /// from the caller, and the proof binds both. Anyone can replay a proof seen in the mempool, but only for
    /// the same pool, period, fee and forecast.
    /// @param asOfPeriod A completed period, newer than the last update's and at most maxStalenessPeriods old
    /// @param fee The proven fee in pips, within the pool's bounds
    /// @param forecast The proven forecast (SPEC §5): log2 variance over the model's horizon at scale 2^32
    function updateFee(
        PoolKey calldata key,
        uint32 asOfPeriod,
        uint24 fee,
        uint64 forecast,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c
    ) external {
        _checkProofPoints(a, b, c);
        PoolId id = key.toId();
        (uint256[5] memory features, uint256[4] memory signals, uint256 commitment) =
            _recordUpdate(id, asOfPeriod, fee, forecast);
        // a bad proof reverts the records above with everything else
        _verify(a, b, c, signals);
        poolManager.updateDynamicLPFee(key, fee);
        emit FeeUpdated(id, asOfPeriod, features, fee, forecast, commitment, msg.sender);
    }

    /// @notice Sets an `onchain` pool's LP fee to what its public model outputs on the features as of `asOfPeriod`,
    /// evaluated here (model/SPEC.md §3-5, bit for bit the circuit's statement), no proof; permissionless
    /// @param asOfPeriod A completed period, newer than the last update's and at most maxStalenessPeriods old
    function updateFeeOnchain(PoolKey calldata key, uint32 asOfPeriod) external {
        PoolId id = key.toId();
        PoolState memory s = _state(id);
        uint32 current = _checkAsOf(s, asOfPeriod);
        PoolTerms memory t = _terms[id];
        if (t.verification != Verification.Onchain) revert VerificationMismatch(t.verification);
        uint256[5] memory features = _features(id, s, current, asOfPeriod);
        (uint256 fee, uint256 forecast) = onchainModels.evaluate(t.commitment, features, t.poolFeeMin, t.poolFeeMax);
        // the model's own bounds can lie outside the pool's; the zk path refuses such a fee the same way
        if (fee < t.poolFeeMin || fee > t.poolFeeMax) revert FeeOutOfBounds(uint24(fee));
        _applyUpdate(id, s, current, asOfPeriod, uint64(forecast));
        poolManager.updateDynamicLPFee(key, uint24(fee));
        emit FeeUpdated(id, asOfPeriod, features, uint24(fee), uint64(forecast), t.commitment, msg.sender);
    }

    /// @notice Sets the fees of 2, 4 or 8 pools of this hook with one proof of the batch circuit of that size
    /// (prover/circuits/batch/, model/SPEC.md §7b); permissionless. Each entry is checked like an updateFee of
    /// its own, except that an entry whose as-of period is not newer than its pool's last update (a rival keeper
    /// landed first) or is too old is skipped, with a FeeUpdateSkipped event, instead of failing the batch.
    /// @dev Public signals: per pool i the poolWord (the features the hook computes, with the entry's fee and
    /// forecast on top) and the pool's commitment; the pools' bounds and periods three to a word; and one
    /// context binding the chain, this hook, and each position's pool and as-of period, so no entry can be
    /// moved to another pool, period, position, hook or chain. A skipped entry's features come from its
    /// featureWord: its pool's update is not applied, so whatever it claims decides nothing, but the proof
    /// still verifies over the whole batch and the fresh entries land.
    function updateFees(
        BatchEntry[] calldata entries,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c
    ) external {
        uint256 n = entries.length;
        (address batchVerifier, bytes4 selector) = _batchVerifier(n);
        _checkProofPoints(a, b, c);
        uint256 termsWords = (n + 2) / 3;
        // public signals in circuit order: poolWord[n], commitment[n], termsWord[termsWords], context
        uint256[] memory signals = new uint256[](2 * n + termsWords + 1);
        // chainid, hook, then (pool id, as-of period) per position: what the context hashes
        uint256[] memory positions = new uint256[](2 + 2 * n);
        positions[0] = block.chainid;
        positions[1] = uint256(uint160(address(this)));
        bool anyFresh;
        for (uint256 i; i < n; ++i) {
            if (_batchEntry(entries[i], i, signals, positions)) anyFresh = true;
        }
        if (!anyFresh) revert NoFreshEntry();
        uint256 context;
        assembly ("memory-safe") {
            context := shr(6, keccak256(add(positions, 0x20), mul(mload(positions), 0x20)))
        }
        signals[signals.length - 1] = context;
        _verifyBatch(batchVerifier, abi.encodePacked(selector, abi.encode(a, b, c), signals), signals.length);
    }

    /// @dev Batch entry i: applied (state, fee, FeeUpdated) when fresh, else skipped (FeeUpdateSkipped); writes its
    /// public lanes into `signals` and its pool and as-of period into `positions` either way. A bad proof reverts
    /// everything applied here with the rest of the batch.
    function _batchEntry(BatchEntry calldata entry, uint256 i, uint256[] memory signals, uint256[] memory positions)
        internal
        returns (bool applied)
    {
        PoolId id = _poolId(entry.key);
        for (uint256 j; j < i; ++j) {
            if (positions[2 + 2 * j] == uint256(PoolId.unwrap(id))) revert DuplicatePool(j, i);
        }
        positions[2 + 2 * i] = uint256(PoolId.unwrap(id));
        positions[3 + 2 * i] = entry.asOfPeriod;

        PoolState memory s = _state(id);
        PoolTerms memory t = _terms[id];
        if (t.verification != Verification.Zk) revert VerificationMismatch(t.verification);
        uint256 n = (positions.length - 2) / 2;
        signals[n + i] = t.commitment;
        signals[2 * n + i / 3] |= (uint256(t.poolFeeMin) | uint256(t.poolFeeMax) << 24 | uint256(s.period) << 48)
            << (80 * (i % 3));
        uint32 current = uint32(block.timestamp / s.period);
        if (entry.asOfPeriod >= current) revert PeriodNotCompleted(entry.asOfPeriod, current);
        if (entry.asOfPeriod <= s.lastUpdatePeriod || current - entry.asOfPeriod > s.maxStalenessPeriods) {
            signals[i] = entry.featureWord | _provenLanes(entry);
            emit FeeUpdateSkipped(id, entry.asOfPeriod, s.lastUpdatePeriod, current);
            return false;
        }
        signals[i] = _applyBatchEntry(entry, id, s, t, current) | _provenLanes(entry);
        return true;
    }

    /// @dev The fee and forecast lanes of an entry's poolWord (SPEC §7b)
    function _provenLanes(BatchEntry calldata entry) internal pure returns (uint256) {
        return uint256(entry.fee) << 190 | uint256(entry.forecast) << 214;
    }

    /// @dev Checks and applies a fresh entry as updateFee would; returns the featureWord of the hook's features
    function _applyBatchEntry(BatchEntry calldata entry, PoolId id, PoolState memory s, PoolTerms memory t, uint32 current)
        internal
        returns (uint256)
    {
        if (entry.fee < t.poolFeeMin || entry.fee > t.poolFeeMax) revert FeeOutOfBounds(entry.fee);
        if (entry.forecast > FORECAST_MAX) revert ForecastOutOfRange(entry.forecast);
        uint256[5] memory features = _features(id, s, current, entry.asOfPeriod);
        uint256 liveUntil = uint256(current) + s.livenessPeriods;
        s.lastUpdatePeriod = entry.asOfPeriod;
        s.liveUntil = liveUntil > type(uint32).max ? type(uint32).max : uint32(liveUntil);
        s.onFallback = false;
        s.forecast = entry.forecast;
        s.forecastOfPreviousModel = false;
        _storeState(id, s);
        poolManager.updateDynamicLPFee(entry.key, entry.fee);
        emit FeeUpdated(id, entry.asOfPeriod, features, entry.fee, entry.forecast, t.commitment, msg.sender);
        return PublicSignals.featureWord(features);
    }

    /// @dev The verifier of a batch of `n` pools and the selector of its verifyProof (snarkjs names the function
    /// the same for every size, but its public-signal array is uint256[2n + ceil(n / 3) + 1])
    function _batchVerifier(uint256 n) internal view returns (address batchVerifier, bytes4 selector) {
        if (n == 2) (batchVerifier, selector) = (batchVerifier2, VERIFY_PROOF_6);
        else if (n == 4) (batchVerifier, selector) = (batchVerifier4, VERIFY_PROOF_11);
        else if (n == 8) (batchVerifier, selector) = (batchVerifier8, VERIFY_PROOF_20);
        if (batchVerifier == address(0)) revert BatchSizeUnsupported(n);
    }

    /// @dev _verify for a batch verifier with `inputs` public signals: the gas a full verification needs grows
    /// by about 6,900 per public input (an ecMul and an ecAdd), so the floor does too (batchVerifierGas)
    function _verifyBatch(address batchVerifier, bytes memory call, uint256 inputs) internal view {
        uint256 required = batchVerifierGas(inputs);
        uint256 available = gasleft();
        if (available < required) revert VerifierOutOfGas(available, required);
        (bool success, bytes memory result) = batchVerifier.staticcall(call);
        if (success && result.length == 32 && abi.decode(result, (bool))) return;
        if (gasleft() < available / 32 + VERIFIER_RESERVE) revert VerifierOutOfGas(available, required);
        revert InvalidProof();
    }

    /// @notice Gas left that updateFees requires before calling a batch verifier with `inputs` public signals:
    /// VERIFIER_GAS for the single circuit's 4, plus 7,500 per further input (measured: about 6,900 each)
    function batchVerifierGas(uint256 inputs) public pure returns (uint256) {
        return VERIFIER_GAS + 7_500 * (inputs - 4);
    }

    /// @dev Checks an update, records it, and returns what its proof must prove
    function _recordUpdate(PoolId id, uint32 asOfPeriod, uint24 fee, uint64 forecast)
        internal
        returns (uint256[5] memory features, uint256[4] memory signals, uint256 commitment)
    {
        PoolState memory s = _state(id);
        uint32 current = _checkAsOf(s, asOfPeriod);
        PoolTerms memory t = _terms[id];
        if (t.verification != Verification.Zk) revert VerificationMismatch(t.verification);
        if (fee < t.poolFeeMin || fee > t.poolFeeMax) revert FeeOutOfBounds(fee);
        if (forecast > FORECAST_MAX) revert ForecastOutOfRange(forecast);

        (features, signals) = _signals(id, s, t, current, asOfPeriod, fee, forecast);
        _applyUpdate(id, s, current, asOfPeriod, forecast);
        commitment = t.commitment;
    }

    /// @dev The current period, after checking that `asOfPeriod` is completed, newer than the last update's and
    /// within the staleness window
    function _checkAsOf(PoolState memory s, uint32 asOfPeriod) internal view returns (uint32 current) {
        current = uint32(block.timestamp / s.period);
        if (asOfPeriod >= current) revert PeriodNotCompleted(asOfPeriod, current);
        if (asOfPeriod <= s.lastUpdatePeriod) revert PeriodNotNewer(asOfPeriod, s.lastUpdatePeriod);
        if (current - asOfPeriod > s.maxStalenessPeriods) revert PeriodTooOld(asOfPeriod, current);
    }

    /// @dev Records an accepted update: its as-of period and forecast, and the liveness window it opens
    function _applyUpdate(PoolId id, PoolState memory s, uint32 current, uint32 asOfPeriod, uint64 forecast) internal {
        uint256 liveUntil = uint256(current) + s.livenessPeriods;
        s.lastUpdatePeriod = asOfPeriod;
        s.liveUntil = liveUntil > type(uint32).max ? type(uint32).max : uint32(liveUntil);
        s.onFallback = false;
        s.forecast = forecast;
        s.forecastOfPreviousModel = false;
        _storeState(id, s);
    }

    /// @dev Refuses malformed points before the precompiles see them: the pairing precompile consumes all the
    /// gas it is given on a coordinate outside the field or a point off its curve. Zero (the point at infinity)
    /// is a valid encoding and passes. What remains is a B on the twist but outside the G2 subgroup, which no
    /// honest prover produces and which only a subgroup check (far dearer than these) would catch: the
    /// verifier burns its gas on it and _verify reports VerifierOutOfGas.
    function _checkProofPoints(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c)
        internal
        pure
    {
        if (
            a[0] >= BASE_FIELD || a[1] >= BASE_FIELD || c[0] >= BASE_FIELD || c[1] >= BASE_FIELD
                || b[0][0] >= BASE_FIELD || b[0][1] >= BASE_FIELD || b[1][0] >= BASE_FIELD || b[1][1] >= BASE_FIELD
        ) revert ProofNotInField();
        if (!_onG1(a[0], a[1]) || !_onG1(c[0], c[1]) || !_onTwist(b[0][1], b[0][0], b[1][1], b[1][0])) {
            revert ProofNotOnCurve();
        }
    }

    /// @dev y^2 = x^3 + 3 over the base field, or the point at infinity (0, 0)
    function _onG1(uint256 x, uint256 y) internal pure returns (bool) {
        if (x == 0 && y == 0) return true;
        uint256 q = BASE_FIELD;
        return mulmod(y, y, q) == addmod(mulmod(mulmod(x, x, q), x, q), 3, q);
    }

    /// @dev y^2 = x^3 + 3 / (9 + u) over F_q[u] / (u^2 + 1), or the point at infinity; coordinates as real and
    /// imaginary parts (the verifier's calldata holds each imaginary part first, as EIP-197 encodes them)
    function _onTwist(uint256 xRe, uint256 xIm, uint256 yRe, uint256 yIm) internal pure returns (bool) {
        if (xRe == 0 && xIm == 0 && yRe == 0 && yIm == 0) return true;
        uint256 q = BASE_FIELD;
        // (a + b u)^2 = a^2 - b^2 + 2ab u
        uint256 x2Re = addmod(mulmod(xRe, xRe, q), q - mulmod(xIm, xIm, q), q);
        uint256 x2Im = mulmod(2, mulmod(xRe, xIm, q), q);
        // (a + b u)(c + d u) = ac - bd + (ad + bc) u
        uint256 x3Re = addmod(mulmod(x2Re, xRe, q), q - mulmod(x2Im, xIm, q), q);
        uint256 x3Im = addmod(mulmod(x2Re, xIm, q), mulmod(x2Im, xRe, q), q);
        uint256 y2Re = addmod(mulmod(yRe, yRe, q), q - mulmod(yIm, yIm, q), q);
        uint256 y2Im = mulmod(2, mulmod(yRe, yIm, q), q);
        return y2Re == addmod(x3Re, TWIST_B_RE, q) && y2Im == addmod(x3Im, TWIST_B_IM, q);
    }

    /// @dev Reverts unless the verifier accepts the proof; tells running out of gas apart from a refusal. The
    /// verifier answers false both for a bad proof and when a precompile ran out of gas, so the gas decides:
    /// too little left to start (VERIFIER_GAS) is out of gas, and so is a verifier that used up what it was
    /// forwarded (a chain pricing the precompiles above EIP-1108, or a B outside G2). A precompile that fails
    /// takes all the gas its call forwarded, which is all but 1/64 of the verifier's; so what is left here is
    /// the 1/64 this call kept back, the 1/64 the verifier's call kept back and its 2,000 reserve: under
    /// available / 32 + VERIFIER_RESERVE. A verification that ran to the end and said no leaves
    /// available - 210,000 or so, far more whenever available >= VERIFIER_GAS.
    function _verify(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[4] memory signals)
        internal
        view
    {
        uint256 available = gasleft();
        if (available < VERIFIER_GAS) revert VerifierOutOfGas(available, VERIFIER_GAS);
        (bool success, bytes memory result) =
            address(verifier).staticcall(abi.encodeCall(IGroth16Verifier.verifyProof, (a, b, c, signals)));
        if (success && result.length == 32 && abi.decode(result, (bool))) return;
        if (gasleft() < available / 32 + VERIFIER_RESERVE) revert VerifierOutOfGas(available, VERIFIER_GAS);
        revert InvalidProof();
    }

    // ---------------------------------------------------------------- model changes

    /// @notice Proposes switching the pool to another registered model of the same period; it can be
    /// applied MODEL_CHANGE_DELAY later. A new proposal replaces a pending one and restarts the delay.
    function proposeModel(PoolKey calldata key, uint256 commitment) external onlyAdmin(key.toId()) {
        PoolId id = key.toId();
        _checkModel(commitment, _loadState(id).period);
        uint64 readyAt = uint64(block.timestamp) + MODEL_CHANGE_DELAY;
        _modelChanges[id] = ModelChange(commitment, readyAt);
        emit ModelProposed(id, commitment, readyAt);
    }

    /// @notice Withdraws the pending model proposal
    function cancelModel(PoolKey calldata key) external onlyAdmin(key.toId()) {
        PoolId id = key.toId();
        uint256 commitment = _pendingChange(id).commitment;
        delete _modelChanges[id];
        emit ModelChangeCancelled(id, commitment);
    }

    /// @notice Applies the pending model once its delay has passed; anyone may
    function applyModel(PoolKey calldata key) external {
        PoolId id = key.toId();
        ModelChange memory change = _pendingChange(id);
        if (block.timestamp < change.readyAt) revert ModelChangeNotReady(change.readyAt);
        uint256 previous = _terms[id].commitment;
        _terms[id].commitment = change.commitment;
        _terms[id].verification = _verificationOf(change.commitment);
        // the last forecast stays the previous model's until an update of the new one lands
        PoolState memory s = _loadState(id);
        if (s.lastUpdatePeriod != 0 && !s.forecastOfPreviousModel) {
            s.forecastOfPreviousModel = true;
            _storeState(id, s);
            _forecastCommitments[id] = previous;
        }
        delete _modelChanges[id];
        emit ModelApplied(id, change.commitment, previous);
    }

    /// @notice Hands the pool's admin role to `newAdmin`; the zero address freezes the model for good
    /// @dev Renouncing also cancels a pending proposal: otherwise anyone could apply it after the delay, and
    /// a pool whose admin is zero (frozen, as LPs read it) would still change model once.
    function transferAdmin(PoolKey calldata key, address newAdmin) external onlyAdmin(key.toId()) {
        PoolId id = key.toId();
        _terms[id].admin = newAdmin;
        emit AdminTransferred(id, msg.sender, newAdmin);
        if (newAdmin == address(0)) {
            ModelChange memory change = _modelChanges[id];
            if (change.readyAt != 0) {
                delete _modelChanges[id];
                emit ModelChangeCancelled(id, change.commitment);
            }
        }
    }

    // ---------------------------------------------------------------- views

    /// @notice The period index of the current block for this pool
    function currentPeriod(PoolKey calldata key) external view returns (uint32) {
        return uint32(block.timestamp / _state(key.toId()).period);
    }

    /// @notice The 5 raw features as of completed period `asOfPeriod` (SPEC §2), including the pending close
    function featuresAsOf(PoolKey calldata key, uint32 asOfPeriod) external view returns (uint256[5] memory features) {
        PoolId id = key.toId();
        PoolState memory s = _state(id);
        uint32 current = uint32(block.timestamp / s.period);
        if (asOfPeriod >= current) revert PeriodNotCompleted(asOfPeriod, current);
        features = _features(id, s, current, asOfPeriod);
    }

    /// @notice The public signals updateFee would verify a proof of `fee` and `forecast` as of `asOfPeriod`
    /// against, now
    function publicSignalsFor(PoolKey calldata key, uint32 asOfPeriod, uint24 fee, uint64 forecast)
        external
        view
        returns (uint256[4] memory signals)
    {
        PoolId id = key.toId();
        PoolState memory s = _state(id);
        uint32 current = uint32(block.timestamp / s.period);
        if (asOfPeriod >= current) revert PeriodNotCompleted(asOfPeriod, current);
        if (forecast > FORECAST_MAX) revert ForecastOutOfRange(forecast);
        (, signals) = _signals(id, s, _terms[id], current, asOfPeriod, fee, forecast);
    }

    /// @notice The context signal binding a proof to this chain, hook, pool and as-of period
    function contextOf(PoolKey calldata key, uint32 asOfPeriod) external view returns (uint256) {
        return PublicSignals.context(address(this), key.toId(), asOfPeriod);
    }

    /// @notice The context signal of a batch (SPEC §7b): binds this chain and hook and, at each position, the pool
    /// and as-of period of that entry: keccak256(abi.encode(chainid, hook, id_0, asOf_0, id_1, asOf_1, ...)) >> 6
    function batchContextOf(PoolKey[] calldata keys, uint32[] calldata asOfPeriods) external view returns (uint256) {
        if (keys.length != asOfPeriods.length) revert LengthMismatch(keys.length, asOfPeriods.length);
        uint256[] memory positions = new uint256[](2 + 2 * keys.length);
        positions[0] = block.chainid;
        positions[1] = uint256(uint160(address(this)));
        for (uint256 i; i < keys.length; ++i) {
            positions[2 + 2 * i] = uint256(PoolId.unwrap(keys[i].toId()));
            positions[3 + 2 * i] = asOfPeriods[i];
        }
        return uint256(keccak256(abi.encodePacked(positions))) >> 6;
    }

    /// @notice The stored variance state (SPEC §1): whether a close is recorded and its tick, the period of
    /// the last recorded move, the period of the first close, and the five variances (ticks^2 per period at
    /// scale 2^18) as of the last recorded move
    function oracleState(PoolKey calldata key)
        external
        view
        returns (
            bool hasClose,
            int24 lastCloseTick,
            uint32 statePeriod,
            uint32 firstPeriod,
            uint256[5] memory variances
        )
    {
        PoolId id = key.toId();
        PoolState memory s = _state(id);
        (hasClose, lastCloseTick) = (s.hasClose, s.lastCloseTick);
        if (!hasClose) return (false, 0, 0, 0, variances);
        uint256 word = _variances[id];
        statePeriod = uint32(word >> VarianceOracle.STATE_PERIOD_SHIFT);
        firstPeriod = uint32(word >> VarianceOracle.FIRST_PERIOD_SHIFT);
        for (uint256 k; k < VarianceOracle.K; ++k) {
            variances[k] = VarianceOracle.variance(word, k);
        }
    }

    /// @notice The close of the last traded period when it is over but not yet recorded (SPEC §1, pending
    /// close): its period and the tick it closed at
    function pendingClose(PoolKey calldata key) external view returns (bool exists, uint32 period, int24 tick) {
        PoolId id = key.toId();
        PoolState memory s = _state(id);
        exists = s.hasSwapped && s.lastSwapPeriod < uint32(block.timestamp / s.period);
        if (exists) (period, (, tick,,)) = (s.lastSwapPeriod, poolManager.getSlot0(id));
    }

    /// @notice The pool's swap-time state (period bookkeeping, update and liveness status)
    function poolState(PoolKey calldata key) external view returns (PoolState memory) {
        return _state(key.toId());
    }

    /// @notice The pool's configuration as currently in force
    function poolConfig(PoolKey calldata key) external view returns (PoolConfig memory) {
        PoolId id = key.toId();
        PoolState memory s = _state(id);
        PoolTerms memory t = _terms[id];
        return PoolConfig({
            commitment: t.commitment,
            poolFeeMin: t.poolFeeMin,
            poolFeeMax: t.poolFeeMax,
            fallbackFee: s.fallbackFee,
            period: s.period,
            maxStalenessPeriods: s.maxStalenessPeriods,
            livenessPeriods: s.livenessPeriods,
            admin: t.admin,
            verification: t.verification
        });
    }

    /// @notice The proven forecast behind the pool's fee: the model's volatility forecast (SPEC §5, units in
    /// Forecast), the as-of period of the features it was computed on, the model and its horizon, and whether it
    /// still sets the fee. Whatever set it was verified: in this hook a forecast is stored only by a `zk` update whose
    /// proof binds it (a lane of the public termsWord, SPEC §7) or by an `onchain` update that computed it here
    /// from the published weights (updateFeeOnchain). Stale means stale: a consumer compares
    /// asOfPeriod with currentPeriod and refuses `!live` (fallback) or `asOfPeriod == 0` (never updated).
    function forecastOf(PoolId id) external view returns (Forecast memory f) {
        PoolState memory s = _state(id);
        f.forecast = s.forecast;
        f.asOfPeriod = s.lastUpdatePeriod;
        f.period = s.period;
        f.currentPeriod = uint32(block.timestamp / s.period);
        // the fallback applies from liveUntil on even before a swap has switched the pool's fee to it
        f.live = !s.onFallback && f.currentPeriod < s.liveUntil;
        f.commitment = s.forecastOfPreviousModel ? _forecastCommitments[id] : _terms[id].commitment;
        if (f.asOfPeriod == 0) return f;
        f.horizon = modelHorizon(f.commitment, s.period);
    }

    /// @notice The horizon in periods that registrations of (commitment, period) claim; 0 when none or when two
    /// disagree. A claim: the horizon is committed (SPEC §6) but the hook cannot open the commitment, so a
    /// consumer that relies on it checks the model file against the commitment once.
    function modelHorizon(uint256 commitment, uint32 period) public view returns (uint16) {
        uint32 claimed = _horizons[commitment][period];
        return claimed == HORIZON_DISPUTED ? 0 : uint16(claimed);
    }

    /// @notice The pending model change, if any (commitment 0 and readyAt 0 when none)
    function pendingModel(PoolKey calldata key) external view returns (uint256 commitment, uint64 readyAt) {
        ModelChange memory change = _modelChanges[key.toId()];
        return (change.commitment, change.readyAt);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The pool's state; reverts for a pool this hook did not create
    function _state(PoolId id) internal view returns (PoolState memory s) {
        s = _loadState(id);
        if (s.period == 0) revert UnknownPool();
    }

    function _loadState(PoolId id) internal view returns (PoolState memory s) {
        uint256 word = _states[id];
        s.period = uint32(word);
        s.lastSwapPeriod = uint32(word >> LAST_SWAP_PERIOD_SHIFT);
        s.lastUpdatePeriod = uint32(word >> LAST_UPDATE_PERIOD_SHIFT);
        s.liveUntil = uint32(word >> LIVE_UNTIL_SHIFT);
        s.livenessPeriods = uint32(word >> LIVENESS_PERIODS_SHIFT);
        s.fallbackFee = uint24(word >> FALLBACK_FEE_SHIFT);
        s.maxStalenessPeriods = uint8((word >> MAX_STALENESS_SHIFT) & 0xf);
        s.hasSwapped = (word >> HAS_SWAPPED_SHIFT) & 1 != 0;
        s.onFallback = (word >> ON_FALLBACK_SHIFT) & 1 != 0;
        s.hasClose = (word >> HAS_CLOSE_SHIFT) & 1 != 0;
        s.lastCloseTick = int24(uint24(word >> LAST_CLOSE_TICK_SHIFT));
        s.forecast = uint64((word >> FORECAST_SHIFT) & FORECAST_MAX);
        s.forecastOfPreviousModel = (word >> FORECAST_OF_PREVIOUS_MODEL_SHIFT) & 1 != 0;
    }

    function _storeState(PoolId id, PoolState memory s) internal {
        _states[id] = uint256(s.period) | uint256(s.lastSwapPeriod) << LAST_SWAP_PERIOD_SHIFT
            | uint256(s.lastUpdatePeriod) << LAST_UPDATE_PERIOD_SHIFT | uint256(s.liveUntil) << LIVE_UNTIL_SHIFT
            | uint256(s.livenessPeriods) << LIVENESS_PERIODS_SHIFT | uint256(s.fallbackFee) << FALLBACK_FEE_SHIFT
            | uint256(s.maxStalenessPeriods) << MAX_STALENESS_SHIFT | (s.hasSwapped ? 1 << HAS_SWAPPED_SHIFT : 0)
            | (s.onFallback ? 1 << ON_FALLBACK_SHIFT : 0) | (s.hasClose ? 1 << HAS_CLOSE_SHIFT : 0)
            | uint256(uint24(s.lastCloseTick)) << LAST_CLOSE_TICK_SHIFT | uint256(s.forecast) << FORECAST_SHIFT
            | (s.forecastOfPreviousModel ? 1 << FORECAST_OF_PREVIOUS_MODEL_SHIFT : 0);
    }

    function _usePoolCommitment(bytes32 commitment) internal {
        uint256 committedAt = poolCommitments[msg.sender][commitment];
        if (committedAt == 0) revert PoolNotCommitted();
        if (block.number <= committedAt) revert PoolCommitmentTooRecent(committedAt);
        if (block.number > committedAt + POOL_COMMITMENT_LIFETIME) revert PoolCommitmentExpired(committedAt);
        delete poolCommitments[msg.sender][commitment];
    }

    function _pendingChange(PoolId id) internal view returns (ModelChange memory change) {
        change = _modelChanges[id];
        if (change.readyAt == 0) revert NoPendingModel();
    }

    function _verificationOf(uint256 commitment) internal view returns (Verification) {
        return isOnchainModel[commitment] ? Verification.Onchain : Verification.Zk;
    }

    function _checkModel(uint256 commitment, uint32 poolPeriod) internal view {
        if (!isModelRegistered[commitment][poolPeriod]) revert ModelNotRegistered(commitment, poolPeriod);
    }

    /// @dev The pending close counts as soon as its period is over: no later swap can change it (only swaps
    /// move the price), and it is exactly what the next swap will record.
    function _features(PoolId id, PoolState memory s, uint32 current, uint32 asOfPeriod)
        internal
        view
        returns (uint256[5] memory)
    {
        bool hasPending = s.hasSwapped && s.lastSwapPeriod < current;
        int24 tick;
        if (hasPending && s.lastSwapPeriod <= asOfPeriod) (, tick,,) = poolManager.getSlot0(id);
        return VarianceOracle.features(
            _variances[id], s.hasClose, s.lastCloseTick, hasPending, s.lastSwapPeriod, tick, asOfPeriod
        );
    }

    function _signals(
        PoolId id,
        PoolState memory s,
        PoolTerms memory t,
        uint32 current,
        uint32 asOfPeriod,
        uint24 fee,
        uint64 forecast
    ) internal view returns (uint256[5] memory features, uint256[4] memory signals) {
        features = _features(id, s, current, asOfPeriod);
        // in circuit order (SPEC §7)
        signals[0] = PublicSignals.featureWord(features);
        signals[1] = PublicSignals.termsWord(t.poolFeeMin, t.poolFeeMax, s.period, fee, forecast);
        signals[2] = t.commitment;
        signals[3] = PublicSignals.context(address(this), id, asOfPeriod);
    }
}
