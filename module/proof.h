/* SPDX-License-Identifier: GPL-2.0 */
/* Test-only planted bugs; see proof.c. Empty in every normal build. */
#ifndef _TWIN_PROOF_H
#define _TWIN_PROOF_H

#ifdef TWIN_PROOF
void twin_proof_run(void);
#else
static inline void twin_proof_run(void)
{
}
#endif

#endif /* _TWIN_PROOF_H */
