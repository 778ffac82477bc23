// test_header_cxx.cc - <esent.h> must compile as C++ and keep ESE's layout.
#include <esent.h>

#include <cstddef>

static_assert(sizeof(JET_ERR) == sizeof(long), "JET_ERR is long");
static_assert(sizeof(JET_SESID) == sizeof(void *), "handles are pointer-sized");
static_assert(JET_wrnRecordFoundGreater == JET_wrnSeekNotEqual, "alias");
static_assert(offsetof(JET_COLUMNDEF, wCollate) + sizeof(unsigned short) <=
		      offsetof(JET_COLUMNDEF, cbMax),
	      "field order");

int main()
{
	JET_INDEXCREATE ic = JET_INDEXCREATE();
	ic.lcid = 1033;
	ic.cbVarSegMac = 8;
	return ic.cbKey == 0 && JetErrorName(JET_errSuccess)[0] == 'J' ? 0 : 1;
}
