#include "whorl/whorl.h"
const char *whorl_version(void) { return WHORL_VERSION_STRING; }
