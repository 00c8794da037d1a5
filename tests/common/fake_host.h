/* The fake host moved into the SDK (installed as <opensqt/fakehost.h>). */
#include <opensqt/fakehost.h>
