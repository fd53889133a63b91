import * as CDX from '@cyclonedx/cyclonedx-library';

/**
 * How a license string reads as SPDX: a single known identifier, an expression of known identifiers joined
 * by AND/OR/WITH (parentheses allowed), or free text, which SBOMs must not pass off as SPDX.
 */
export function classifyLicense(value: string): 'id' | 'expression' | 'text' {
  if (CDX.SPDX.isSupportedSpdxId(value as unknown)) return 'id';
  const tokens = value.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
  if (tokens.length < 3) return 'text';
  let isOperand = true;
  for (const token of tokens) {
    if (isOperand ? !(CDX.SPDX.isSupportedSpdxId(token.replace(/\+$/, '') as unknown) || /^LicenseRef-[A-Za-z0-9.-]+$/.test(token) || /-exception$/.test(token)) : !/^(AND|OR|WITH)$/.test(token)) return 'text';
    isOperand = !isOperand;
  }
  return isOperand ? 'text' : 'expression';
}
