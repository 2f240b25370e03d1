// Internal to libSluiceABI (not part of the C ABI): the per-thread error message.
#ifndef SLUICE_ABI_SUPPORT_H
#define SLUICE_ABI_SUPPORT_H

/// Keeps a copy of `message` as this thread's sluice_last_error(); NULL clears it.
void sl_abi_set_error(const char *message);

#endif
