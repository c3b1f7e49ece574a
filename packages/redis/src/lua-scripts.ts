// Lua scripts of RedisSequenceProvider. Redis runs each script atomically, so no other command
// touches the counter between its reads and writes.
//
// A stream's counter is one hash, so that its fields vanish together when the key is lost.
//   v  last number drawn (HINCRBY, the INCR of a hash field)
//   l, c  numbers in (l, c] are covered by the durable floor for this incarnation of the key.
//      They may be handed out without asking the floor (used only with a floor configured).
//   e  random id of this incarnation, set when the key is created from the floor
//
// Lua numbers are doubles, exact up to 2^53. The scripts never let `v` pass
// Number.MAX_SAFE_INTEGER, so every value they compare or return is exact.

/** Status codes returned by {@link NEXT_SCRIPT} as the first element of its reply. */
export const NextStatus = {
  /** The counter key is missing (and was not created). */
  missing: 0,
  /** The number may be handed out. */
  issued: 1,
  /** The number is above the covered range: raise the durable floor before handing it out. */
  raiseFloor: 2,
  /** The counter has reached MAX_SAFE_INTEGER. */
  exhausted: 3,
} as const;

/**
 * KEYS[1] counter hash. ARGV[1] '1' when a floor is configured. ARGV[2] '1' to create a missing
 * key at 0 (only without a floor). Returns {status, number, incarnation}.
 */
export const NEXT_SCRIPT = `
local fields = redis.call('HMGET', KEYS[1], 'v', 'l', 'c', 'e')
local value = fields[1]
if not value then
  if ARGV[2] ~= '1' then return {0} end
  redis.call('HSET', KEYS[1], 'v', '0')
  value = '0'
end
if tonumber(value) >= 9007199254740991 then return {3} end
local number = redis.call('HINCRBY', KEYS[1], 'v', 1)
if ARGV[1] ~= '1' then return {1, number} end
if fields[2] and fields[3] and number > tonumber(fields[2]) and number <= tonumber(fields[3]) then
  return {1, number}
end
return {2, number, fields[4] or ''}
`;

/**
 * Creates a missing counter at the durable floor. KEYS[1] counter hash. ARGV[1] floor,
 * ARGV[2] new incarnation id. Returns 1 when created, 0 when the key already existed.
 */
export const SEED_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'l', ARGV[1], 'c', ARGV[1], 'e', ARGV[2])
return 1
`;

/**
 * Records a raise of the durable floor that covered (previous, raised] for this incarnation.
 * KEYS[1] counter hash. ARGV[1] incarnation, ARGV[2] previous floor, ARGV[3] raised floor.
 * A range that overlaps or touches the covered one is merged into it, a range above it replaces
 * it, and a range below it is dropped (those numbers were drawn already). Returns 1 when
 * recorded, 0 when the key is another incarnation (the range then stays unused).
 */
export const COVER_SCRIPT = `
local fields = redis.call('HMGET', KEYS[1], 'l', 'c', 'e')
if fields[3] ~= ARGV[1] or not fields[1] or not fields[2] then return 0 end
local low = tonumber(fields[1])
local ceiling = tonumber(fields[2])
local previous = tonumber(ARGV[2])
local raised = tonumber(ARGV[3])
if previous <= ceiling and raised >= low then
  -- The original strings are written back, because Lua's tostring rounds large numbers.
  local newLow = fields[1]
  if previous < low then newLow = ARGV[2] end
  local newCeiling = fields[2]
  if raised > ceiling then newCeiling = ARGV[3] end
  redis.call('HSET', KEYS[1], 'l', newLow, 'c', newCeiling)
elseif previous > ceiling then
  redis.call('HSET', KEYS[1], 'l', ARGV[2], 'c', ARGV[3])
end
return 1
`;

/**
 * Decides on a number that the durable floor already covered before this caller's raise. It may
 * be handed out only when this incarnation's covered range contains it (another caller of the
 * same incarnation covered it). Otherwise, when ARGV[3] is not empty, moves the counter up to
 * ARGV[3] so that later draws skip the numbers some other incarnation may have handed out.
 * KEYS[1] counter hash. ARGV[1] incarnation, ARGV[2] number. Returns 1 to hand it out, else 0.
 */
export const CHECK_COVERED_SCRIPT = `
local fields = redis.call('HMGET', KEYS[1], 'v', 'l', 'c', 'e')
if fields[4] ~= ARGV[1] or not fields[1] then return 0 end
local number = tonumber(ARGV[2])
if fields[2] and fields[3] and number > tonumber(fields[2]) and number <= tonumber(fields[3]) then return 1 end
if ARGV[3] ~= '' and tonumber(fields[1]) < tonumber(ARGV[3]) then redis.call('HSET', KEYS[1], 'v', ARGV[3]) end
return 0
`;

/**
 * Sets the counter so that the next number is ARGV[1] + 1. KEYS[1] counter hash. ARGV[2] '1'
 * when a floor is configured (the caller has raised the floor to ARGV[1] first), ARGV[3] the
 * incarnation id for a key that does not exist yet. Numbers above ARGV[1] up to the covered
 * ceiling stay covered, which is how a reset backwards lets numbers repeat.
 */
export const RESET_SCRIPT = `
if ARGV[2] ~= '1' then
  redis.call('HSET', KEYS[1], 'v', ARGV[1])
  return 1
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 'l', ARGV[1], 'c', ARGV[1], 'e', ARGV[3])
  return 1
end
local ceiling = redis.call('HGET', KEYS[1], 'c')
if not ceiling or tonumber(ceiling) < tonumber(ARGV[1]) then ceiling = ARGV[1] end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'l', ARGV[1], 'c', ceiling)
return 1
`;
