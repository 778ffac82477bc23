/*
 * jfs_err.c - the mount's one mapping from JET_ERR to errno, and its one
 * log-line format ("jetfs: TABLE: line N: REASON"), to stderr when the
 * mount runs in the foreground and to syslog otherwise.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "jetfs.h"

int jfs_errno(JET_ERR err)
{
	if (err >= 0)
		return 0;
	switch (err) {
	case JET_errObjectNotFound:
	case JET_errColumnNotFound:
	case JET_errIndexNotFound:
	case JET_errRecordNotFound:
	case JET_errFileNotFound:
	case JET_errDatabaseNotFound:
		return ENOENT;
	case JET_errTableDuplicate:
	case JET_errObjectDuplicate:
	case JET_errColumnDuplicate:
	case JET_errIndexDuplicate:
	case JET_errIndexHasPrimary:
	case JET_errKeyDuplicate:
	case JET_errMultiValuedDuplicate:
	case JET_errDatabaseDuplicate:
		return EEXIST;
	case JET_errWriteConflict:
	case JET_errWriteConflictPrimaryIndex:
	case JET_errSessionWriteConflict:
	case JET_errTableInUse:
	case JET_errTableLocked:
	case JET_errSessionInUse:
	case JET_errDatabaseInUse:
	case JET_errDatabaseLocked:
	case JET_errColumnInUse:
	case JET_errIndexInUse:
	case JET_errVersionStoreOutOfMemory:
	case JET_errVersionStoreOutOfMemoryAndCleanupTimedOut:
	case JET_errRollbackRequired:
		return EBUSY;
	case JET_errDiskFull:
	case JET_errLogDiskFull:
	case JET_errOutOfDatabaseSpace:
	case JET_errInstanceUnavailableDueToFatalLogDiskFull:
		return ENOSPC;
	case JET_errOutOfMemory:
	case JET_errOutOfBuffers:
		return ENOMEM;
	case JET_errOutOfSessions:
	case JET_errOutOfCursors:
	case JET_errTooManyOpenTables:
	case JET_errOutOfFileHandles:
		return ENFILE;
	case JET_errTransReadOnly:
	case JET_errDatabaseFileReadOnly:
		return EROFS;
	case JET_errPermissionDenied:
	case JET_errAccessDenied:
	case JET_errFileAccessDenied:
	case JET_errCannotDeleteSystemTable:
	case JET_errCannotDeleteTemplateTable:
		return EACCES;
	case JET_errFeatureNotAvailable:
		return ENOSYS;
	case JET_errInvalidName:
	case JET_errInvalidParameter:
	case JET_errInvalidGrbit:
	case JET_errNullInvalid:
	case JET_errColumnTooBig:
	case JET_errRecordTooBig:
	case JET_errKeyTooBig:
	case JET_errInvalidColumnType:
	case JET_errTooManyColumns:
	case JET_errInvalidBufferSize:
	case JET_errInvalidCodePage:
	case JET_errNotInTransaction:
	case JET_errTransTooDeep:
	case JET_errIndexInvalidDef:
	case JET_errInvalidCreateIndex:
	case JET_errColumnRedundant:
	case JET_errTaggedNotNULL:
	case JET_errMultiValuedColumnMustBeTagged:
	case JET_errNullKeyDisallowed:
	case JET_errIndexMustStay:
	case JET_errTableNotEmpty:
	case JET_errContainerNotEmpty:
	case JET_errInvalidOperation:
	case JET_errIllegalOperation:
		return EINVAL;
	case JET_errReadVerifyFailure:
	case JET_errReadPgnoVerifyFailure:
	case JET_errDiskReadVerificationFailure:
	case JET_errDatabaseCorrupted:
	case JET_errDatabaseCorruptedNoRepair:
	case JET_errCatalogCorrupted:
	case JET_errLVCorrupted:
	case JET_errPrimaryIndexCorrupted:
	case JET_errSecondaryIndexCorrupted:
	case JET_errDiskIO:
	case JET_errFileIOBeyondEOF:
	case JET_errFileIOFail:
	case JET_errLogWriteFail:
		return EIO;
	default:
		return EIO;
	}
}

void jfs_log(const jfs *fs, const char *table, unsigned long line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!table)
		table = "-";
	if (!fs || fs->foreground)
		fprintf(stderr, "jetfs: %s: line %lu: %s\n", table, line, msg);
	else
		syslog(LOG_ERR, "jetfs: %s: line %lu: %s", table, line, msg);
}
