// The regions SAE serves, to catch a mistyped region before it becomes an unreachable host.
// Source: SAE's "Endpoints" reference (API version 2019-05-06) and "Regions supported by SAE",
// read 2026-11; see docs/sae-api.md. A region missing here only earns a warning, never an error,
// so a new region works the day it opens.

export const SAE_REGIONS = [
  'cn-hangzhou',
  'cn-shanghai',
  'cn-beijing',
  'cn-zhangjiakou',
  'cn-wulanchabu',
  'cn-shenzhen',
  'cn-heyuan',
  'cn-guangzhou',
  'cn-chengdu',
  'cn-hongkong',
  'ap-southeast-1',
  'ap-southeast-5',
  'ap-northeast-1',
  'us-west-1',
  'us-east-1',
  'eu-central-1'
] as const

export function isSaeRegion(region: string): boolean {
  return (SAE_REGIONS as readonly string[]).includes(region)
}

/** The known SAE region closest in spelling (fewest single-character edits). */
export function nearestSaeRegion(region: string): string {
  let best: string = SAE_REGIONS[0]
  let bestDistance = Infinity
  for (const known of SAE_REGIONS) {
    const distance = editDistance(region, known)
    if (distance < bestDistance) [best, bestDistance] = [known, distance]
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

/** A warning for each region of namespace-id that SAE does not serve, naming the nearest one it does. */
export function unknownRegionWarnings(regions: string[]): string[] {
  return [...new Set(regions)]
    .filter((region) => !isSaeRegion(region))
    .map(
      (region) =>
        `namespace-id names region '${region}', which is not a region SAE serves (as of this release); did you mean '${nearestSaeRegion(region)}'?`
    )
}
