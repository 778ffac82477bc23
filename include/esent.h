/*
 * esent.h - the name ESENT programs include. Everything is in jet.h.
 */
#ifndef JET_ESENT_H
#define JET_ESENT_H

#include "jet.h"

#endif /* JET_ESENT_H */
