/*
 * errors.c - names and one-line meanings of every JET_err / JET_wrn code.
 *
 * One table, sorted by nothing in particular (grouped as in jet.h); lookups
 * scan it linearly, which is fine for a function called on error paths and
 * in diagnostics only. tests/unit/test_errors.c reads include/jet.h and
 * checks that every code defined there has its entry here.
 */
#include <stdio.h>

#include "jet_common.h"

struct jet_error_info {
	JET_ERR err;
	const char *name;
	const char *description;
};

#define E(code, text) {code, #code, text}

static const struct jet_error_info jet_errors[] = {
	E(JET_errSuccess, "Success"),
	E(JET_wrnNyi, "Function not yet implemented"),

	/* warnings */
	E(JET_wrnRemainingVersions, "The version store still holds versions after cleanup"),
	E(JET_wrnUniqueKey, "The seek found exactly one record matching the key"),
	E(JET_wrnSeparateLongValue, "The long value was stored outside the record"),
	E(JET_wrnExistingLogFileHasBadSignature, "An existing log file has a bad signature"),
	E(JET_wrnExistingLogFileIsNotContiguous, "An existing log file does not follow the previous one"),
	E(JET_wrnSkipThisRecord, "The record was skipped"),
	E(JET_wrnTargetInstanceRunning, "The target instance of the restore is running"),
	E(JET_wrnDatabaseRepaired, "The database was repaired"),
	E(JET_wrnColumnNull, "The column is NULL"),
	E(JET_wrnBufferTruncated, "The buffer was too small; the value was truncated"),
	E(JET_wrnDatabaseAttached, "The database is already attached"),
	E(JET_wrnSortOverflow, "The sort spilled out of memory"),
	E(JET_wrnSeekNotEqual, "The seek landed on a record that does not equal the key"),
	E(JET_wrnNoErrorInfo, "No extended error information is available"),
	E(JET_wrnNoIdleActivity, "There was no idle work to do"),
	E(JET_wrnNoWriteLock, "No write lock was taken at transaction level 0"),
	E(JET_wrnColumnSetNull, "The column was set to NULL"),
	E(JET_wrnTableEmpty, "The table was empty when opened or created"),
	E(JET_wrnTableInUseBySystem, "The table is in use by the system"),
	E(JET_wrnCorruptIndexDeleted, "A corrupt index was deleted"),
	E(JET_wrnColumnMaxTruncated, "The column's maximum length was truncated to the type's limit"),
	E(JET_wrnCopyLongValue, "A shared long value was copied"),
	E(JET_wrnColumnSkipped, "The column value was skipped (zero-length request)"),
	E(JET_wrnColumnNotLocal, "The column value is not in the record"),
	E(JET_wrnColumnMoreTags, "The column has more values than were returned"),
	E(JET_wrnColumnTruncated, "The column value was truncated"),
	E(JET_wrnColumnPresent, "The column is present but its value was not returned"),
	E(JET_wrnColumnSingleValue, "The column has a single value, returned in place"),
	E(JET_wrnColumnDefault, "The column holds its default value"),
	E(JET_wrnDataHasChanged, "The record changed since it was last read"),
	E(JET_wrnKeyChanged, "The cursor moved to a record with a new key"),
	E(JET_wrnFileOpenReadOnly, "The file was opened read-only"),
	E(JET_wrnIdleFull, "The idle registry is full"),
	E(JET_wrnDefragAlreadyRunning, "Online defragmentation is already running"),
	E(JET_wrnDefragNotRunning, "Online defragmentation is not running"),
	E(JET_wrnCallbackNotRegistered, "The callback was not registered"),

	/* internal and system */
	E(JET_errRfsFailure, "Resource failure simulation failed"),
	E(JET_errRfsNotArmed, "Resource failure simulation is not armed"),
	E(JET_errFileClose, "Could not close the file"),
	E(JET_errOutOfThreads, "Could not start a thread"),
	E(JET_errTooManyIO, "Too many I/O requests are outstanding"),
	E(JET_errTaskDropped, "A queued task was dropped"),
	E(JET_errInternalError, "Internal error: an engine invariant failed"),

	/* page and tree consistency */
	E(JET_errDatabaseBufferDependenciesCorrupted, "Buffer dependencies are corrupt"),
	E(JET_errPreviousVersion, "The version already existed"),
	E(JET_errPageBoundary, "Reached a page boundary"),
	E(JET_errKeyBoundary, "Reached a key boundary"),
	E(JET_errBadPageLink, "A page's sibling link is corrupt"),
	E(JET_errBadBookmark, "The bookmark has no matching record"),
	E(JET_errNTSystemCallFailed, "A system call failed"),
	E(JET_errBadParentPageLink, "A page's parent link is corrupt"),
	E(JET_errSPAvailExtCacheOutOfSync, "The free-extent cache is out of sync"),
	E(JET_errSPAvailExtCorrupted, "The free-space tree is corrupt"),
	E(JET_errSPAvailExtCacheOutOfMemory, "Out of memory in the free-extent cache"),
	E(JET_errSPOwnExtCorrupted, "The owned-space tree is corrupt"),
	E(JET_errDbTimeCorrupted, "A page's change time is newer than the database's"),
	E(JET_errKeyTruncated, "The key would be truncated on an index that forbids truncation"),
	E(JET_errKeyTooBig, "The key is too large"),

	/* log, recovery, backup */
	E(JET_errInvalidLoggedOperation, "A log record names an operation that does not exist"),
	E(JET_errLogFileCorrupt, "A log file is corrupt"),
	E(JET_errNoBackupDirectory, "No backup folder was given"),
	E(JET_errBackupDirectoryNotEmpty, "The backup folder is not empty"),
	E(JET_errBackupInProgress, "A backup is already in progress"),
	E(JET_errRestoreInProgress, "A restore is in progress"),
	E(JET_errMissingPreviousLogFile, "The log file before the checkpoint is missing"),
	E(JET_errLogWriteFail, "Writing the log failed; the instance stops accepting changes"),
	E(JET_errLogDisabledDueToRecoveryFailure, "Logging is disabled because recovery failed"),
	E(JET_errCannotLogDuringRecoveryRedo, "Cannot write the log during recovery redo"),
	E(JET_errLogGenerationMismatch, "The log file's generation does not match its name"),
	E(JET_errBadLogVersion, "The log file's format version is not supported"),
	E(JET_errInvalidLogSequence, "The log files are not in sequence"),
	E(JET_errLoggingDisabled, "Logging is not active"),
	E(JET_errLogBufferTooSmall, "The log buffer is too small for the record"),
	E(JET_errLogSequenceEnd, "The log generation numbers are exhausted"),
	E(JET_errNoBackup, "No backup is in progress"),
	E(JET_errInvalidBackupSequence, "Backup call out of sequence"),
	E(JET_errBackupNotAllowedYet, "Cannot back up now"),
	E(JET_errDeleteBackupFileFail, "Could not delete a backup file"),
	E(JET_errMakeBackupDirectoryFail, "Could not create the backup folder"),
	E(JET_errInvalidBackup, "The backup is not valid"),
	E(JET_errRecoveredWithErrors, "Recovery finished with errors"),
	E(JET_errMissingLogFile, "A log file needed for recovery is missing"),
	E(JET_errLogDiskFull, "The disk holding the log is full"),
	E(JET_errBadLogSignature, "The log file belongs to another database set"),
	E(JET_errBadDbSignature, "The database file's signature is wrong"),
	E(JET_errBadCheckpointSignature, "The checkpoint file belongs to another log set"),
	E(JET_errCheckpointCorrupt, "The checkpoint file is corrupt"),
	E(JET_errMissingPatchPage, "A patch page is missing"),
	E(JET_errBadPatchPage, "A patch page is not valid"),
	E(JET_errRedoAbruptEnded, "Redo ended early because the log ended abruptly"),
	E(JET_errPatchFileMissing, "The backup patch file is missing"),
	E(JET_errDatabaseLogSetMismatch, "The database does not belong to this log set"),
	E(JET_errLogFileSizeMismatch, "The log file size differs from the configured size"),
	E(JET_errCheckpointFileNotFound, "The checkpoint file was not found"),
	E(JET_errRequiredLogFilesMissing, "Log files needed to recover the database are missing"),
	E(JET_errSoftRecoveryOnBackupDatabase, "Soft recovery was run on a backup database"),
	E(JET_errLogFileSizeMismatchDatabasesConsistent, "The log file size differs, but the databases are consistent"),
	E(JET_errLogSectorSizeMismatch, "The log's sector size differs from the disk's"),
	E(JET_errLogSectorSizeMismatchDatabasesConsistent, "The log's sector size differs, but the databases are consistent"),
	E(JET_errLogSequenceEndDatabasesConsistent, "The log generations are exhausted, but the databases are consistent"),
	E(JET_errDatabaseDirtyShutdown, "The database was not shut down cleanly; run recovery"),
	E(JET_errConsistentTimeMismatch, "The database's last consistent time does not match the log"),
	E(JET_errDatabasePatchFileMismatch, "The patch file does not belong to this database"),
	E(JET_errEndingRestoreLogTooLow, "The restore's last log generation is too low"),
	E(JET_errStartingRestoreLogTooHigh, "The restore's first log generation is too high"),
	E(JET_errGivenLogFileHasBadSignature, "A given restore log file has a bad signature"),
	E(JET_errGivenLogFileIsNotContiguous, "The given restore log files are not contiguous"),
	E(JET_errMissingRestoreLogFiles, "Log files needed for the restore are missing"),
	E(JET_errMissingFullBackup, "The database needs a full backup before an incremental one"),
	E(JET_errBadBackupDatabaseSize, "The backup database's size is wrong"),
	E(JET_errDatabaseAlreadyUpgraded, "The database was already upgraded"),
	E(JET_errDatabaseIncompleteUpgrade, "The database's upgrade was not completed"),
	E(JET_errMissingCurrentLogFiles, "The current log files are missing"),
	E(JET_errDbTimeTooOld, "A page is older than the log expects"),
	E(JET_errDbTimeTooNew, "A page is newer than the log expects"),
	E(JET_errMissingFileToBackup, "A file to back up is missing"),
	E(JET_errLogTornWriteDuringHardRestore, "A torn log write was found during restore"),
	E(JET_errLogTornWriteDuringHardRecovery, "A torn log write was found during recovery"),
	E(JET_errLogCorruptDuringHardRestore, "A corrupt log was found during restore"),
	E(JET_errLogCorruptDuringHardRecovery, "A corrupt log was found during recovery"),
	E(JET_errMustDisableLoggingForDbUpgrade, "Logging must be off to upgrade the database"),
	E(JET_errBadRestoreTargetInstance, "The restore target instance is not valid"),
	E(JET_errRecoveredWithoutUndo, "Recovery replayed the log but did not undo open transactions"),
	E(JET_errUnicodeTranslationBufferTooSmall, "The buffer for Unicode translation is too small"),
	E(JET_errUnicodeTranslationFail, "Unicode translation failed"),
	E(JET_errUnicodeNormalizationNotSupported, "Unicode normalization is not supported"),
	E(JET_errExistingLogFileHasBadSignature, "An existing log file has a bad signature"),
	E(JET_errExistingLogFileIsNotContiguous, "An existing log file is not contiguous with the others"),
	E(JET_errLogReadVerifyFailure, "A log block failed its checksum"),
	E(JET_errCheckpointDepthTooDeep, "Too much log lies between the checkpoint and the end of the log"),
	E(JET_errRestoreOfNonBackupDatabase, "The database to restore is not a backup"),
	E(JET_errBackupAbortByServer, "The backup was aborted by the engine"),
	E(JET_errInvalidGrbit, "An option bit is not recognized or not valid here"),

	/* general */
	E(JET_errTermInProgress, "The instance is shutting down"),
	E(JET_errFeatureNotAvailable, "The feature is not available"),
	E(JET_errInvalidName, "The name is not valid"),
	E(JET_errInvalidParameter, "A parameter is not valid"),
	E(JET_errDatabaseFileReadOnly, "The database file is read-only"),
	E(JET_errInvalidDatabaseId, "The database id is not valid"),
	E(JET_errOutOfMemory, "Out of memory"),
	E(JET_errOutOfDatabaseSpace, "The database reached its maximum size"),
	E(JET_errOutOfCursors, "Out of cursors (JET_paramMaxCursors)"),
	E(JET_errOutOfBuffers, "Out of page buffers"),
	E(JET_errTooManyIndexes, "Too many indexes on the table"),
	E(JET_errTooManyKeys, "Too many columns in the index key"),
	E(JET_errRecordDeleted, "The record was deleted"),
	E(JET_errReadVerifyFailure, "A page read from disk failed its checksum"),
	E(JET_errPageNotInitialized, "The page was never written"),
	E(JET_errOutOfFileHandles, "Out of file handles"),
	E(JET_errDiskReadVerificationFailure, "The disk reported a read error"),
	E(JET_errDiskIO, "Disk I/O error"),
	E(JET_errInvalidPath, "The path is not valid"),
	E(JET_errInvalidSystemPath, "The system path is not valid"),
	E(JET_errInvalidLogDirectory, "The log folder is not valid"),
	E(JET_errRecordTooBig, "The record is larger than a page allows"),
	E(JET_errTooManyOpenDatabases, "Too many databases are open"),
	E(JET_errInvalidDatabase, "The file is not a database"),
	E(JET_errNotInitialized, "The instance has not been initialized (JetInit)"),
	E(JET_errAlreadyInitialized, "The instance is already initialized"),
	E(JET_errInitInProgress, "The instance is still initializing"),
	E(JET_errFileAccessDenied, "Access to the file was denied"),
	E(JET_errBufferTooSmall, "The buffer is too small"),
	E(JET_errTooManyColumns, "Too many columns in the table"),
	E(JET_errContainerNotEmpty, "The container is not empty"),
	E(JET_errInvalidFilename, "The file name is not valid"),
	E(JET_errInvalidBookmark, "The bookmark is not valid"),
	E(JET_errColumnInUse, "The column is used by an index"),
	E(JET_errInvalidBufferSize, "The data size does not fit the column type"),
	E(JET_errColumnNotUpdatable, "The column cannot be updated"),
	E(JET_errIndexInUse, "The index is in use"),
	E(JET_errLinkNotSupported, "Links are not supported"),
	E(JET_errNullKeyDisallowed, "NULL keys are not allowed on this index"),
	E(JET_errNotInTransaction, "The operation needs a transaction"),
	E(JET_errTooManyActiveUsers, "Too many active sessions"),
	E(JET_errInvalidCountry, "The country code is not valid"),
	E(JET_errInvalidLanguageId, "The language id is not valid"),
	E(JET_errInvalidCodePage, "The code page is not valid"),
	E(JET_errInvalidLCMapStringFlags, "The string-mapping flags are not valid"),
	E(JET_errVersionStoreEntryTooBig, "The change is too large for the version store"),
	E(JET_errVersionStoreOutOfMemoryAndCleanupTimedOut, "The version store is full and cleanup timed out"),
	E(JET_errVersionStoreOutOfMemory, "The version store is full (JET_paramMaxVerPages)"),
	E(JET_errCannotIndex, "The column cannot be indexed"),
	E(JET_errRecordNotDeleted, "The record has not been deleted"),
	E(JET_errTooManyMempoolEntries, "Too many memory pool entries"),
	E(JET_errOutOfObjectIDs, "Out of object ids"),
	E(JET_errOutOfLongValueIDs, "Out of long value ids"),
	E(JET_errOutOfAutoincrementValues, "Out of autoincrement values"),
	E(JET_errOutOfDbtimeValues, "Out of database time values"),
	E(JET_errOutOfSequentialIndexValues, "Out of sequential index values"),
	E(JET_errRunningInOneInstanceMode, "The process runs in single-instance mode"),
	E(JET_errRunningInMultiInstanceMode, "The process runs in multi-instance mode"),
	E(JET_errSystemParamsAlreadySet, "Global system parameters are already set"),
	E(JET_errSystemPathInUse, "The system path is used by another instance"),
	E(JET_errLogFilePathInUse, "The log folder is used by another instance"),
	E(JET_errTempPathInUse, "The temporary path is used by another instance"),
	E(JET_errInstanceNameInUse, "The instance name is in use"),
	E(JET_errInstanceUnavailable, "The instance stopped after a fatal error"),
	E(JET_errDatabaseUnavailable, "The database stopped after a fatal error"),
	E(JET_errInstanceUnavailableDueToFatalLogDiskFull, "The instance stopped because the log disk is full"),

	/* sessions and transactions */
	E(JET_errOutOfSessions, "Out of sessions (JET_paramMaxSessions)"),
	E(JET_errWriteConflict, "Another transaction changed this record first"),
	E(JET_errTransTooDeep, "Transactions are nested too deeply"),
	E(JET_errInvalidSesid, "The session handle is not valid"),
	E(JET_errWriteConflictPrimaryIndex, "Another transaction changed this primary key first"),
	E(JET_errInTransaction, "The operation is not allowed inside a transaction"),
	E(JET_errRollbackRequired, "The transaction must be rolled back"),
	E(JET_errTransReadOnly, "The transaction is read-only"),
	E(JET_errSessionWriteConflict, "Two cursors of the session changed the same record"),
	E(JET_errRecordTooBigForBackwardCompatibility, "The record is too big for the old format"),
	E(JET_errCannotMaterializeForwardOnlySort, "A forward-only sort cannot be materialized"),
	E(JET_errSesidTableIdMismatch, "The cursor belongs to another session"),
	E(JET_errInvalidInstance, "The instance handle is not valid"),
	E(JET_errDirtyShutdown, "The instance was shut down without a clean flush"),
	E(JET_errReadPgnoVerifyFailure, "A page read from disk carries the wrong page number"),

	/* databases */
	E(JET_errDatabaseDuplicate, "The database already exists"),
	E(JET_errDatabaseInUse, "The database is in use"),
	E(JET_errDatabaseNotFound, "The database does not exist"),
	E(JET_errDatabaseInvalidName, "The database name is not valid"),
	E(JET_errDatabaseInvalidPages, "The number of pages is not valid"),
	E(JET_errDatabaseCorrupted, "The database is corrupt"),
	E(JET_errDatabaseLocked, "The database is locked exclusively"),
	E(JET_errCannotDisableVersioning, "Versioning cannot be turned off"),
	E(JET_errInvalidDatabaseVersion, "The database's format version is not supported"),
	E(JET_errPageSizeMismatch, "The database's page size differs from the instance's"),
	E(JET_errTooManyInstances, "Too many instances"),
	E(JET_errDatabaseSharingViolation, "Another process has the database open"),
	E(JET_errAttachedDatabaseMismatch, "The attached databases do not match the log"),
	E(JET_errDatabaseInvalidPath, "The database path is not valid"),
	E(JET_errDatabaseIdInUse, "The database id is in use"),
	E(JET_errForceDetachNotAllowed, "Forced detach is not allowed"),
	E(JET_errCatalogCorrupted, "The catalog is corrupt"),
	E(JET_errPartiallyAttachedDB, "The database is only partly attached"),
	E(JET_errDatabaseSignInUse, "A database with the same signature is in use"),
	E(JET_errDatabaseCorruptedNoRepair, "The database is corrupt and cannot be repaired"),
	E(JET_errInvalidCreateDbVersion, "The requested database format version is not valid"),

	/* tables */
	E(JET_errTableLocked, "The table is locked"),
	E(JET_errTableDuplicate, "The table already exists"),
	E(JET_errTableInUse, "The table is in use and cannot be locked"),
	E(JET_errObjectNotFound, "No such table or object"),
	E(JET_errDensityInvalid, "The density is not valid"),
	E(JET_errTableNotEmpty, "The table is not empty"),
	E(JET_errInvalidTableId, "The cursor handle is not valid"),
	E(JET_errTooManyOpenTables, "Too many open tables (JET_paramMaxOpenTables)"),
	E(JET_errIllegalOperation, "The operation is not allowed on this table"),
	E(JET_errTooManyOpenTablesAndCleanupTimedOut, "Too many open tables and cleanup timed out"),
	E(JET_errObjectDuplicate, "The object already exists"),
	E(JET_errInvalidObject, "The object is not valid"),
	E(JET_errCannotDeleteTempTable, "Close a temporary table instead of deleting it"),
	E(JET_errCannotDeleteSystemTable, "System tables cannot be deleted"),
	E(JET_errCannotDeleteTemplateTable, "Template tables cannot be deleted"),
	E(JET_errExclusiveTableLockRequired, "The table must be opened exclusively"),
	E(JET_errFixedDDL, "The table's schema is fixed"),
	E(JET_errFixedInheritedDDL, "The inherited schema is fixed"),
	E(JET_errCannotNestDDL, "Schema inheritance cannot be nested"),
	E(JET_errDDLNotInheritable, "The schema cannot be inherited"),
	E(JET_errInvalidSettings, "The system parameters are not valid together"),
	E(JET_errClientRequestToStopJetService, "The engine was stopped by JetStopService"),
	E(JET_errCannotAddFixedVarColumnToDerivedTable, "Fixed or variable columns cannot be added to a derived table"),

	/* indexes */
	E(JET_errIndexCantBuild, "The index cannot be built"),
	E(JET_errIndexHasPrimary, "The table already has a primary index"),
	E(JET_errIndexDuplicate, "The index already exists"),
	E(JET_errIndexNotFound, "No such index"),
	E(JET_errIndexMustStay, "The clustered index cannot be deleted"),
	E(JET_errIndexInvalidDef, "The index definition is not valid"),
	E(JET_errInvalidCreateIndex, "The index creation parameters are not valid"),
	E(JET_errTooManyOpenIndexes, "Too many open indexes"),
	E(JET_errMultiValuedIndexViolation, "A multi-valued column breaks the index's uniqueness"),
	E(JET_errIndexBuildCorrupted, "The index build found corruption"),
	E(JET_errPrimaryIndexCorrupted, "The primary index is corrupt"),
	E(JET_errSecondaryIndexCorrupted, "A secondary index is corrupt"),
	E(JET_errInvalidIndexId, "The index id is not valid"),

	/* columns */
	E(JET_errColumnLong, "The column is a long value"),
	E(JET_errColumnNoChunk, "No such chunk in the long value"),
	E(JET_errColumnDoesNotFit, "The field does not fit in the record"),
	E(JET_errNullInvalid, "The column cannot be NULL"),
	E(JET_errColumnIndexed, "The column is indexed and cannot be deleted"),
	E(JET_errColumnTooBig, "The value is longer than the column allows"),
	E(JET_errColumnNotFound, "No such column"),
	E(JET_errColumnDuplicate, "The column already exists"),
	E(JET_errMultiValuedColumnMustBeTagged, "A multi-valued column must be tagged"),
	E(JET_errColumnRedundant, "The second autoincrement or version column is redundant"),
	E(JET_errInvalidColumnType, "The column type is not valid here"),
	E(JET_errTaggedNotNULL, "Tagged columns cannot be NOT NULL"),
	E(JET_errNoCurrentIndex, "The cursor has no current index"),
	E(JET_errKeyIsMade, "The key is already complete"),
	E(JET_errBadColumnId, "The column id is not valid"),
	E(JET_errBadItagSequence, "The value sequence number is not valid for the tagged column"),
	E(JET_errColumnInRelationship, "The column is part of a relationship and cannot be deleted"),
	E(JET_errCannotBeTagged, "Autoincrement and version columns cannot be tagged"),
	E(JET_errDefaultValueTooBig, "The default value is too large"),
	E(JET_errMultiValuedDuplicate, "The value is already among the column's values"),
	E(JET_errLVCorrupted, "The long value tree is corrupt"),
	E(JET_errMultiValuedDuplicateAfterTruncation, "The value duplicates another after normalization"),
	E(JET_errDerivedColumnCorruption, "A derived column is corrupt"),
	E(JET_errInvalidPlaceholderColumn, "The column cannot be a placeholder"),

	/* records and cursors */
	E(JET_errRecordNotFound, "No record matches the key"),
	E(JET_errRecordNoCopy, "There is no working copy of the record"),
	E(JET_errNoCurrentRecord, "The cursor is not on a record"),
	E(JET_errRecordPrimaryChanged, "The primary key cannot change in an update"),
	E(JET_errKeyDuplicate, "A record with this key already exists in a unique index"),
	E(JET_errAlreadyPrepared, "An update is already prepared on this cursor"),
	E(JET_errKeyNotMade, "No key has been made (JetMakeKey)"),
	E(JET_errUpdateNotPrepared, "No update is prepared (JetPrepareUpdate)"),
	E(JET_errDataHasChanged, "The record changed since the update was prepared"),
	E(JET_errLanguageNotSupported, "The language is not supported"),

	/* sorts and temporary tables */
	E(JET_errTooManySorts, "Too many sorts or temporary tables (JET_paramMaxTemporaryTables)"),
	E(JET_errInvalidOnSort, "The operation is not valid on a sort"),

	/* files */
	E(JET_errTempFileOpenError, "The temporary file could not be opened"),
	E(JET_errTooManyAttachedDatabases, "Too many databases are attached"),
	E(JET_errDiskFull, "The disk is full"),
	E(JET_errPermissionDenied, "Permission denied"),
	E(JET_errFileNotFound, "File not found"),
	E(JET_errFileInvalidType, "The file type is not valid"),
	E(JET_errAfterInitialization, "The parameter cannot be set after JetInit"),
	E(JET_errLogCorrupted, "The log is corrupt"),

	/* session use */
	E(JET_errInvalidOperation, "The operation is not valid now"),
	E(JET_errAccessDenied, "Access denied"),
	E(JET_errTooManySplits, "An insert split too many pages"),
	E(JET_errSessionSharingViolation, "The session is used by another thread"),
	E(JET_errEntryPointNotFound, "An entry point was not found"),
	E(JET_errSessionContextAlreadySet, "The session context is already set"),
	E(JET_errSessionContextNotSetByThisThread, "The session context was set by another thread"),
	E(JET_errSessionInUse, "Another thread is inside a call on the session"),
	E(JET_errRecordFormatConversionFailed, "The record could not be converted to the current format"),
	E(JET_errOneDatabasePerSession, "Only one database per session is allowed"),
	E(JET_errRollbackError, "Rollback failed"),

	/* callbacks */
	E(JET_errCallbackFailed, "A callback failed"),
	E(JET_errCallbackNotResolved, "A callback could not be resolved"),

	/* file I/O */
	E(JET_errFileIOSparse, "I/O on a sparse region of the file"),
	E(JET_errFileIOBeyondEOF, "Read beyond the end of the file"),
	E(JET_errFileIOAbort, "The I/O was aborted"),
	E(JET_errFileIORetry, "The I/O should be retried"),
	E(JET_errFileIOFail, "The I/O failed"),
	E(JET_errFileCompressed, "The file is compressed"),
};

#undef E

static _Thread_local char jet_error_unknown[48];

static const struct jet_error_info *jet_error_find(JET_ERR err)
{
	for (size_t i = 0; i < sizeof(jet_errors) / sizeof(jet_errors[0]); i++) {
		if (jet_errors[i].err == err)
			return &jet_errors[i];
	}
	return NULL;
}

static const char *jet_error_unknown_text(JET_ERR err)
{
	snprintf(jet_error_unknown, sizeof(jet_error_unknown), "%s(unknown %ld)",
		 err > 0 ? "JET_wrn" : "JET_err", err);
	return jet_error_unknown;
}

const char *JetErrorName(JET_ERR err)
{
	const struct jet_error_info *info = jet_error_find(err);
	return info ? info->name : jet_error_unknown_text(err);
}

const char *JetErrorDescription(JET_ERR err)
{
	const struct jet_error_info *info = jet_error_find(err);
	return info ? info->description : jet_error_unknown_text(err);
}
