/* dis.c - names for dissector outcomes. */
#include "dis.h"

const char *dis_status_name(enum dis_status s)
{
	switch (s) {
	case DIS_OK:
		return "ok";
	case DIS_TRUNCATED:
		return "truncated";
	case DIS_INVALID:
		return "invalid";
	case DIS_UNSUPPORTED:
		return "unsupported";
	}
	return "unknown";
}
