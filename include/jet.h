/*
 * jet.h - the public C API of libjet.
 *
 * libjet is a transactional, page-based storage engine with a write-ahead
 * log. Its API follows Microsoft's Extensible Storage Engine ("JET Blue",
 * esent.h): the same function names and argument orders, the same types,
 * grbits, info levels and error numbers, so that a program written against
 * ESENT that keeps to the subset below compiles unchanged against
 * <esent.h> on Linux.
 *
 * Conventions
 * - Every function returns a JET_ERR: 0 is success, a negative value an
 *   error (nothing was changed), a positive value a warning (the call did
 *   its work; the warning says something worth knowing, e.g.
 *   JET_wrnBufferTruncated).
 * - Strings are char, UTF-8. Functions that take strings exist as `...A`
 *   forms; the plain name is a macro for the A form, as in an ESENT build
 *   without UNICODE. There are no W forms.
 * - On Linux `long` is 8 bytes, but ESE's integer column types keep their
 *   sizes: a JET_coltypLong value is 4 bytes (use int32_t), a
 *   JET_coltypCurrency or JET_coltypLongLong value 8 bytes.
 * - Handles (JET_INSTANCE, JET_SESID, JET_TABLEID, JET_HANDLE) are opaque
 *   pointer-sized integers. A handle that is not live gives the matching
 *   JET_errInvalid... error; no function crashes on a bad handle.
 *
 * The behaviour of every function is documented in libjet(3). What libjet
 * adds to ESE's API is marked "libjet extension" below.
 */
#ifndef JET_H
#define JET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Types                                                              */
/* ------------------------------------------------------------------ */

#ifndef JET_API
#define JET_API /* a calling convention on Windows; nothing here */
#endif

typedef uintptr_t JET_API_PTR;

typedef long JET_ERR;
typedef JET_API_PTR JET_INSTANCE;
typedef JET_API_PTR JET_SESID;
typedef JET_API_PTR JET_TABLEID;
typedef JET_API_PTR JET_HANDLE;
typedef JET_API_PTR JET_LS;
typedef unsigned long JET_DBID;
typedef unsigned long JET_COLUMNID;
typedef unsigned long JET_GRBIT;
typedef unsigned long JET_COLTYP;
typedef unsigned long JET_OBJTYP;
typedef unsigned long JET_SNP; /* status-callback process */
typedef unsigned long JET_SNT; /* status-callback notification type */
typedef double JET_DATESERIAL;  /* OLE date: days since 1899-12-30 */

typedef const char *JET_PCSTR;
typedef char *JET_PSTR;

/* Progress callback of JetRestore/JetBackup. */
typedef JET_ERR(JET_API *JET_PFNSTATUS)(JET_SESID sesid, JET_SNP snp, JET_SNT snt,
					void *pv);

#define JET_instanceNil (~(JET_INSTANCE)0)
#define JET_sesidNil (~(JET_SESID)0)
#define JET_tableidNil (~(JET_TABLEID)0)
#define JET_dbidNil ((JET_DBID)0xFFFFFFFF)
#define JET_bitNil ((JET_GRBIT)0)

/* Status callback: processes and notification types. */
#define JET_snpRepair 2
#define JET_snpCompact 4
#define JET_snpRestore 8
#define JET_snpBackup 9
#define JET_snpUpgrade 10
#define JET_sntProgress 0
#define JET_sntFail 3
#define JET_sntBegin 5
#define JET_sntComplete 6
#define JET_sntRequirements 7

/* ------------------------------------------------------------------ */
/* Limits                                                             */
/* ------------------------------------------------------------------ */

#define JET_cbNameMost 64        /* table, column, index names (bytes) */
#define JET_cbFullNameMost 255   /* paths */
#define JET_cbBookmarkMost 256
#define JET_cbColumnMost 255     /* Binary and Text columns */
#define JET_cbLVDefaultValueMost 255
#define JET_cbColumnLVPageOverhead 82
#define JET_cbKeyMost 255
#define JET_cbKeyMostMin 255
#define JET_cbKeyMost2KBytePage 500
#define JET_cbKeyMost4KBytePage 1000
#define JET_cbKeyMost8KBytePage 2000
#define JET_cbLimitKeyMost 256
#define JET_cbPrimaryKeyMost 255
#define JET_cbSecondaryKeyMost 255
#define JET_ccolKeyMost 16
#define JET_ccolMost 0x0000fee0
#define JET_ccolFixedMost 0x0000007f
#define JET_ccolVarMost 0x00000080
#define JET_ccolTaggedMost (JET_ccolMost - 0x000000ff) /* 64993 */
#define JET_BASE_NAME_LENGTH 3
#define JET_MAX_COMPUTERNAME_LENGTH 15

/* ------------------------------------------------------------------ */
/* Column types                                                       */
/* ------------------------------------------------------------------ */

#define JET_coltypNil 0
#define JET_coltypBit 1           /* 1 byte, 0 or 0xff */
#define JET_coltypUnsignedByte 2  /* 1 byte */
#define JET_coltypShort 3         /* 2-byte signed */
#define JET_coltypLong 4          /* 4-byte signed */
#define JET_coltypCurrency 5      /* 8-byte signed */
#define JET_coltypIEEESingle 6    /* 4-byte float */
#define JET_coltypIEEEDouble 7    /* 8-byte double */
#define JET_coltypDateTime 8      /* 8-byte double, OLE date */
#define JET_coltypBinary 9        /* up to 255 bytes */
#define JET_coltypText 10         /* up to 255 bytes */
#define JET_coltypLongBinary 11   /* up to 2 GiB */
#define JET_coltypLongText 12     /* up to 2 GiB */
#define JET_coltypSLV 13          /* obsolete; not supported */
#define JET_coltypUnsignedLong 14 /* 4-byte unsigned */
#define JET_coltypLongLong 15     /* 8-byte signed */
#define JET_coltypGUID 16         /* 16 bytes */
#define JET_coltypUnsignedShort 17
#define JET_coltypUnsignedLongLong 18
#define JET_coltypMax 19

/* ------------------------------------------------------------------ */
/* Grbits                                                             */
/* ------------------------------------------------------------------ */

/* JetCreateInstance2, JetInit2 */
#define JET_bitReplayIgnoreMissingDB 0x00000004
#define JET_bitRecoveryWithoutUndo 0x00000008
#define JET_bitTruncateLogsAfterRecovery 0x00000010

/* JetTerm2 */
#define JET_bitTermComplete 0x00000001
#define JET_bitTermAbrupt 0x00000002
#define JET_bitTermStopBackup 0x00000004
#define JET_bitTermDirty 0x00000008

/* JetEndSession */
#define JET_bitForceSessionClosed 0x00000001

/* JetBeginTransaction2 */
#define JET_bitTransactionReadOnly 0x00000001

/* JetCommitTransaction */
#define JET_bitCommitLazyFlush 0x00000001
#define JET_bitWaitLastLevel0Commit 0x00000002
#define JET_bitWaitAllLevel0Commit 0x00000008

/* JetRollback */
#define JET_bitRollbackAll 0x00000001

/* JetCreateDatabase, JetAttachDatabase, JetOpenDatabase */
#define JET_bitDbReadOnly 0x00000001
#define JET_bitDbExclusive 0x00000002
#define JET_bitDbRecoveryOff 0x00000008
#define JET_bitDbDeleteCorruptIndexes 0x00000010
#define JET_bitDbShadowingOff 0x00000080
#define JET_bitDbOverwriteExisting 0x00000200 /* JetCreateDatabase */
#define JET_bitDbUpgrade 0x00000200           /* JetAttachDatabase */

/* Database states (JET_DBINFOMISC, jetutil dump) */
#define JET_dbstateJustCreated 1
#define JET_dbstateDirtyShutdown 2
#define JET_dbstateCleanShutdown 3
#define JET_dbstateBeingConverted 4
#define JET_dbstateForceDetach 5

/* JetOpenTable */
#define JET_bitTableDenyWrite 0x00000001
#define JET_bitTableDenyRead 0x00000002
#define JET_bitTableReadOnly 0x00000004
#define JET_bitTableUpdatable 0x00000008
#define JET_bitTablePermitDDL 0x00000010
#define JET_bitTableNoCache 0x00000020
#define JET_bitTablePreread 0x00000040
#define JET_bitTableSequential 0x00008000

/* JET_TABLECREATE.grbit */
#define JET_bitTableCreateFixedDDL 0x00000001
#define JET_bitTableCreateTemplateTable 0x00000002

/* JET_COLUMNDEF.grbit, JET_COLUMNCREATE.grbit */
#define JET_bitColumnFixed 0x00000001
#define JET_bitColumnTagged 0x00000002
#define JET_bitColumnNotNULL 0x00000004
#define JET_bitColumnVersion 0x00000008
#define JET_bitColumnAutoincrement 0x00000010
#define JET_bitColumnUpdatable 0x00000020 /* JetGetColumnInfo only */
#define JET_bitColumnTTKey 0x00000040     /* temp tables: key column */
#define JET_bitColumnTTDescending 0x00000080
#define JET_bitColumnMultiValued 0x00000400
#define JET_bitColumnEscrowUpdate 0x00000800
#define JET_bitColumnUnversioned 0x00001000
#define JET_bitColumnMaybeNull 0x00002000

/* JetDeleteColumn2 */
#define JET_bitDeleteColumnIgnoreTemplateColumns 0x00000001

/* JetCreateIndex, JET_INDEXCREATE.grbit */
#define JET_bitIndexUnique 0x00000001
#define JET_bitIndexPrimary 0x00000002
#define JET_bitIndexDisallowNull 0x00000004
#define JET_bitIndexIgnoreNull 0x00000008
#define JET_bitIndexIgnoreAnyNull 0x00000020
#define JET_bitIndexIgnoreFirstNull 0x00000040
#define JET_bitIndexLazyFlush 0x00000080
#define JET_bitIndexEmpty 0x00000100
#define JET_bitIndexUnversioned 0x00000200
#define JET_bitIndexSortNullsHigh 0x00000400
#define JET_bitIndexUnicode 0x00000800
#define JET_bitIndexTuples 0x00001000
#define JET_bitIndexTupleLimits 0x00002000
#define JET_bitIndexCrossProduct 0x00004000
#define JET_bitIndexKeyMost 0x00008000
#define JET_bitIndexDisallowTruncation 0x00010000

/* Key description strings: "+col1\0-col2\0\0" */
#define JET_bitKeyAscending 0x00000000
#define JET_bitKeyDescending 0x00000001

/* JET_CONDITIONALCOLUMN.grbit */
#define JET_bitIndexColumnMustBeNull 0x00000001
#define JET_bitIndexColumnMustBeNonNull 0x00000002

/* JetOpenTempTable */
#define JET_bitTTIndexed 0x00000001
#define JET_bitTTUnique 0x00000002
#define JET_bitTTUpdatable 0x00000004
#define JET_bitTTScrollable 0x00000008
#define JET_bitTTSortNullsHigh 0x00000010
#define JET_bitTTForceMaterialization JET_bitTTIndexed
#define JET_bitTTErrorOnDuplicateInsertion 0x00000020
#define JET_bitTTForwardOnly 0x00000040

/* JetSetCurrentIndex2/3/4 */
#define JET_bitMoveFirst 0x00000000
#define JET_bitNoMove 0x00000002

/* JetMakeKey */
#define JET_bitNewKey 0x00000001
#define JET_bitStrLimit 0x00000002
#define JET_bitSubStrLimit 0x00000004
#define JET_bitNormalizedKey 0x00000008
#define JET_bitKeyDataZeroLength 0x00000010
#define JET_bitFullColumnStartLimit 0x00000100
#define JET_bitFullColumnEndLimit 0x00000200
#define JET_bitPartialColumnStartLimit 0x00000400
#define JET_bitPartialColumnEndLimit 0x00000800

/* JetSetIndexRange */
#define JET_bitRangeInclusive 0x00000001
#define JET_bitRangeUpperLimit 0x00000002
#define JET_bitRangeInstantDuration 0x00000004
#define JET_bitRangeRemove 0x00000008

/* JetMove: cRow values and grbit */
#define JET_MoveFirst (0x80000000)
#define JET_MovePrevious (-1)
#define JET_MoveNext (+1)
#define JET_MoveLast (0x7fffffff)
#define JET_bitMoveKeyNE 0x00000001

/* JetSeek */
#define JET_bitSeekEQ 0x00000001
#define JET_bitSeekLT 0x00000002
#define JET_bitSeekLE 0x00000004
#define JET_bitSeekGE 0x00000008
#define JET_bitSeekGT 0x00000010
#define JET_bitSetIndexRange 0x00000020
#define JET_bitCheckUniqueness 0x00000040

/* JetGetLock */
#define JET_bitReadLock 0x00000001
#define JET_bitWriteLock 0x00000002

/* JetPrepareUpdate */
#define JET_prepInsert 0
#define JET_prepReplace 2
#define JET_prepCancel 3
#define JET_prepReplaceNoLock 4
#define JET_prepInsertCopy 5
#define JET_prepInsertCopyDeleteOriginal 7

/* JetUpdate2 */
#define JET_bitUpdateCheckESE97Compatibility 0x00000001

/* JetEscrowUpdate */
#define JET_bitEscrowNoRollback 0x00000001

/* JetSetColumn */
#define JET_bitSetAppendLV 0x00000001
#define JET_bitSetOverwriteLV 0x00000004
#define JET_bitSetSizeLV 0x00000008
#define JET_bitSetZeroLength 0x00000020
#define JET_bitSetSeparateLV 0x00000040
#define JET_bitSetUniqueMultiValues 0x00000080
#define JET_bitSetUniqueNormalizedMultiValues 0x00000100
#define JET_bitSetRevertToDefaultValue 0x00000200
#define JET_bitSetIntrinsicLV 0x00000400

/* JetRetrieveColumn */
#define JET_bitRetrieveCopy 0x00000001
#define JET_bitRetrieveFromIndex 0x00000002
#define JET_bitRetrieveFromPrimaryBookmark 0x00000004
#define JET_bitRetrieveTag 0x00000008
#define JET_bitRetrieveNull 0x00000010
#define JET_bitRetrieveIgnoreDefault 0x00000020

/* JetBeginExternalBackup, JetBackup */
#define JET_bitBackupIncremental 0x00000001
#define JET_bitBackupAtomic 0x00000004
#define JET_bitBackupSnapshot 0x00000010

/* JetEndExternalBackupInstance2 */
#define JET_bitBackupEndNormal 0x00000001
#define JET_bitBackupEndAbort 0x00000002
#define JET_bitBackupTruncateDone 0x00000100

/* Objects (JetGetObjectInfo) */
#define JET_objtypNil 0
#define JET_objtypTable 1
#define JET_bitObjectSystem 0x80000000
#define JET_bitObjectTableFixedDDL 0x40000000
#define JET_bitObjectTableTemplate 0x20000000
#define JET_bitObjectTableDerived 0x10000000
/* JET_OBJECTINFO.grbit */
#define JET_bitTableInfoUpdatable 0x00000001
#define JET_bitTableInfoBookmark 0x00000002
#define JET_bitTableInfoRollback 0x00000004

/* ------------------------------------------------------------------ */
/* Info levels                                                        */
/* ------------------------------------------------------------------ */

/* JetGetColumnInfo, JetGetTableColumnInfo */
#define JET_ColInfo 0u
#define JET_ColInfoList 1u
#define JET_ColInfoSysTabCursor 3u
#define JET_ColInfoBase 4u
#define JET_ColInfoListCompact 5u
#define JET_ColInfoByColid 6u
#define JET_ColInfoListSortColumnid 7u
#define JET_ColInfoBaseByColid 8u

/* JetGetIndexInfo, JetGetTableIndexInfo */
#define JET_IdxInfo 0u
#define JET_IdxInfoList 1u
#define JET_IdxInfoSysTabCursor 2u
#define JET_IdxInfoOLC 3u
#define JET_IdxInfoResetOLC 4u
#define JET_IdxInfoSpaceAlloc 5u
#define JET_IdxInfoLCID 6u
#define JET_IdxInfoLangid 6u
#define JET_IdxInfoCount 7u
#define JET_IdxInfoVarSegMac 8u
#define JET_IdxInfoIndexId 9u
#define JET_IdxInfoKeyMost 10u
#define JET_IdxInfoCreateIndex 11u
#define JET_IdxInfoCreateIndex2 12u

/* JetGetTableInfo */
#define JET_TblInfo 0u
#define JET_TblInfoName 1u
#define JET_TblInfoDbid 2u
#define JET_TblInfoMostMany 3u
#define JET_TblInfoRvt 4u
#define JET_TblInfoOLC 5u
#define JET_TblInfoResetOLC 6u
#define JET_TblInfoSpaceUsage 7u
#define JET_TblInfoDumpTable 8u
#define JET_TblInfoSpaceAlloc 9u
#define JET_TblInfoSpaceOwned 10u
#define JET_TblInfoSpaceAvailable 11u
#define JET_TblInfoTemplateTableName 12u

/* JetGetObjectInfo */
#define JET_ObjInfo 0u
#define JET_ObjInfoListNoStats 1u
#define JET_ObjInfoList 2u

/* JetGetDatabaseInfo */
#define JET_DbInfoFilename 0
#define JET_DbInfoConnect 1
#define JET_DbInfoCountry 2
#define JET_DbInfoLCID 3
#define JET_DbInfoLangid 3
#define JET_DbInfoCp 4
#define JET_DbInfoCollate 5
#define JET_DbInfoOptions 6
#define JET_DbInfoTransactions 7
#define JET_DbInfoVersion 8
#define JET_DbInfoIsam 9
#define JET_DbInfoFilesize 10
#define JET_DbInfoSpaceOwned 11
#define JET_DbInfoSpaceAvailable 12
#define JET_DbInfoUpgrade 13
#define JET_DbInfoMisc 14
#define JET_DbInfoDBInUse 15
#define JET_DbInfoPageSize 17
#define JET_DbInfoFileType 19

/* JET_DbInfoFileType */
#define JET_filetypeUnknown 0
#define JET_filetypeDatabase 1
#define JET_filetypeLog 3
#define JET_filetypeCheckpoint 4
#define JET_filetypeTempDatabase 5

/* ------------------------------------------------------------------ */
/* System parameters (JetSetSystemParameter / JetGetSystemParameter)  */
/* ------------------------------------------------------------------ */

#define JET_paramSystemPath 0 /* folder of the checkpoint file */
#define JET_paramTempPath 1
#define JET_paramLogFilePath 2
#define JET_paramBaseName 3 /* three letters, default "edb" */
#define JET_paramEventSource 4
#define JET_paramMaxSessions 5
#define JET_paramMaxOpenTables 6
#define JET_paramPreferredMaxOpenTables 7
#define JET_paramMaxCursors 8
#define JET_paramMaxVerPages 9
#define JET_paramMaxTemporaryTables 10
#define JET_paramLogFileSize 11 /* KiB */
#define JET_paramLogBuffers 12
#define JET_paramWaitLogFlush 13
#define JET_paramLogCheckpointPeriod 14
#define JET_paramLogWaitingUserMax 15
#define JET_paramCommitDefault 16
#define JET_paramCircularLog 17
#define JET_paramDbExtensionSize 18
#define JET_paramPageTempDBMin 19
#define JET_paramPageFragment 20
#define JET_paramBatchIOBufferMax 22
#define JET_paramCacheSizeMax 23      /* pages */
#define JET_paramCheckpointDepthMax 24 /* bytes */
#define JET_paramOutstandingIOMax 30
#define JET_paramStartFlushThreshold 31
#define JET_paramStopFlushThreshold 32
#define JET_paramRecovery 34 /* "On" / "Off" */
#define JET_paramEnableOnlineDefrag 35
#define JET_paramCacheSize 41
#define JET_paramEnableIndexChecking 45
#define JET_paramEnableTempTableVersioning 46
#define JET_paramIgnoreLogVersion 47
#define JET_paramDeleteOldLogs 48
#define JET_paramNoInformationEvent 50
#define JET_paramEventLoggingLevel 51
#define JET_paramDeleteOutOfRangeLogs 52
#define JET_paramCacheSizeMin 60
#define JET_paramPreferredVerPages 63
#define JET_paramDatabasePageSize 64
#define JET_paramErrorToString 70
#define JET_paramZeroDatabaseDuringBackup 71
#define JET_paramExceptionAction 98
#define JET_paramCreatePathIfNotExist 100
#define JET_paramOneDatabasePerSession 102
#define JET_paramMaxInstances 104
#define JET_paramEnableFileCache 126
#define JET_paramKeyMost 134
#define JET_paramLegacyFileNames 136

/* ------------------------------------------------------------------ */
/* Errors (negative) and warnings (positive)                          */
/* ------------------------------------------------------------------ */
/* Every code below has a name and description in JetErrorName() and
 * JetErrorDescription(); tests/unit/test_errors.c checks that by reading
 * this file. Aliases (a second name for a number) are defined after the
 * list, never inside it. */

#define JET_errSuccess 0
#define JET_wrnNyi -1 /* "not yet implemented" (negative, as in ESE) */

/* warnings */
#define JET_wrnRemainingVersions 321
#define JET_wrnUniqueKey 345
#define JET_wrnSeparateLongValue 406
#define JET_wrnExistingLogFileHasBadSignature 558
#define JET_wrnExistingLogFileIsNotContiguous 559
#define JET_wrnSkipThisRecord 564
#define JET_wrnTargetInstanceRunning 578
#define JET_wrnDatabaseRepaired 595
#define JET_wrnColumnNull 1004
#define JET_wrnBufferTruncated 1006
#define JET_wrnDatabaseAttached 1007
#define JET_wrnSortOverflow 1009
#define JET_wrnSeekNotEqual 1039
#define JET_wrnNoErrorInfo 1055
#define JET_wrnNoIdleActivity 1058
#define JET_wrnNoWriteLock 1067
#define JET_wrnColumnSetNull 1068
#define JET_wrnTableEmpty 1301
#define JET_wrnTableInUseBySystem 1327
#define JET_wrnCorruptIndexDeleted 1415
#define JET_wrnColumnMaxTruncated 1512
#define JET_wrnCopyLongValue 1520
#define JET_wrnColumnSkipped 1531
#define JET_wrnColumnNotLocal 1532
#define JET_wrnColumnMoreTags 1533
#define JET_wrnColumnTruncated 1534
#define JET_wrnColumnPresent 1535
#define JET_wrnColumnSingleValue 1536
#define JET_wrnColumnDefault 1537
#define JET_wrnDataHasChanged 1610
#define JET_wrnKeyChanged 1618
#define JET_wrnFileOpenReadOnly 1813
#define JET_wrnIdleFull 1908
#define JET_wrnDefragAlreadyRunning 2000
#define JET_wrnDefragNotRunning 2001
#define JET_wrnCallbackNotRegistered 2100

/* internal and system errors */
#define JET_errRfsFailure -100
#define JET_errRfsNotArmed -101
#define JET_errFileClose -102
#define JET_errOutOfThreads -103
#define JET_errTooManyIO -105
#define JET_errTaskDropped -106
#define JET_errInternalError -107

/* page and tree consistency */
#define JET_errDatabaseBufferDependenciesCorrupted -255
#define JET_errPreviousVersion -322
#define JET_errPageBoundary -323
#define JET_errKeyBoundary -324
#define JET_errBadPageLink -327
#define JET_errBadBookmark -328
#define JET_errNTSystemCallFailed -334
#define JET_errBadParentPageLink -338
#define JET_errSPAvailExtCacheOutOfSync -340
#define JET_errSPAvailExtCorrupted -341
#define JET_errSPAvailExtCacheOutOfMemory -342
#define JET_errSPOwnExtCorrupted -343
#define JET_errDbTimeCorrupted -344
#define JET_errKeyTruncated -346
#define JET_errKeyTooBig -408

/* log, recovery, backup */
#define JET_errInvalidLoggedOperation -500
#define JET_errLogFileCorrupt -501
#define JET_errNoBackupDirectory -503
#define JET_errBackupDirectoryNotEmpty -504
#define JET_errBackupInProgress -505
#define JET_errRestoreInProgress -506
#define JET_errMissingPreviousLogFile -509
#define JET_errLogWriteFail -510
#define JET_errLogDisabledDueToRecoveryFailure -511
#define JET_errCannotLogDuringRecoveryRedo -512
#define JET_errLogGenerationMismatch -513
#define JET_errBadLogVersion -514
#define JET_errInvalidLogSequence -515
#define JET_errLoggingDisabled -516
#define JET_errLogBufferTooSmall -517
#define JET_errLogSequenceEnd -519
#define JET_errNoBackup -520
#define JET_errInvalidBackupSequence -521
#define JET_errBackupNotAllowedYet -523
#define JET_errDeleteBackupFileFail -524
#define JET_errMakeBackupDirectoryFail -525
#define JET_errInvalidBackup -526
#define JET_errRecoveredWithErrors -527
#define JET_errMissingLogFile -528
#define JET_errLogDiskFull -529
#define JET_errBadLogSignature -530
#define JET_errBadDbSignature -531
#define JET_errBadCheckpointSignature -532
#define JET_errCheckpointCorrupt -533
#define JET_errMissingPatchPage -534
#define JET_errBadPatchPage -535
#define JET_errRedoAbruptEnded -536
#define JET_errPatchFileMissing -538
#define JET_errDatabaseLogSetMismatch -539
#define JET_errLogFileSizeMismatch -541
#define JET_errCheckpointFileNotFound -542
#define JET_errRequiredLogFilesMissing -543
#define JET_errSoftRecoveryOnBackupDatabase -544
#define JET_errLogFileSizeMismatchDatabasesConsistent -545
#define JET_errLogSectorSizeMismatch -546
#define JET_errLogSectorSizeMismatchDatabasesConsistent -547
#define JET_errLogSequenceEndDatabasesConsistent -548
#define JET_errDatabaseDirtyShutdown -550
#define JET_errConsistentTimeMismatch -551
#define JET_errDatabasePatchFileMismatch -552
#define JET_errEndingRestoreLogTooLow -553
#define JET_errStartingRestoreLogTooHigh -554
#define JET_errGivenLogFileHasBadSignature -555
#define JET_errGivenLogFileIsNotContiguous -556
#define JET_errMissingRestoreLogFiles -557
#define JET_errMissingFullBackup -560
#define JET_errBadBackupDatabaseSize -561
#define JET_errDatabaseAlreadyUpgraded -562
#define JET_errDatabaseIncompleteUpgrade -563
#define JET_errMissingCurrentLogFiles -565
#define JET_errDbTimeTooOld -566
#define JET_errDbTimeTooNew -567
#define JET_errMissingFileToBackup -569
#define JET_errLogTornWriteDuringHardRestore -570
#define JET_errLogTornWriteDuringHardRecovery -571
#define JET_errLogCorruptDuringHardRestore -573
#define JET_errLogCorruptDuringHardRecovery -574
#define JET_errMustDisableLoggingForDbUpgrade -575
#define JET_errBadRestoreTargetInstance -577
#define JET_errRecoveredWithoutUndo -579
#define JET_errUnicodeTranslationBufferTooSmall -601
#define JET_errUnicodeTranslationFail -602
#define JET_errUnicodeNormalizationNotSupported -603
#define JET_errExistingLogFileHasBadSignature -610
#define JET_errExistingLogFileIsNotContiguous -611
#define JET_errLogReadVerifyFailure -612
#define JET_errCheckpointDepthTooDeep -614
#define JET_errRestoreOfNonBackupDatabase -615
#define JET_errBackupAbortByServer -801
#define JET_errInvalidGrbit -900

/* general */
#define JET_errTermInProgress -1000
#define JET_errFeatureNotAvailable -1001
#define JET_errInvalidName -1002
#define JET_errInvalidParameter -1003
#define JET_errDatabaseFileReadOnly -1008
#define JET_errInvalidDatabaseId -1010
#define JET_errOutOfMemory -1011
#define JET_errOutOfDatabaseSpace -1012
#define JET_errOutOfCursors -1013
#define JET_errOutOfBuffers -1014
#define JET_errTooManyIndexes -1015
#define JET_errTooManyKeys -1016
#define JET_errRecordDeleted -1017
#define JET_errReadVerifyFailure -1018
#define JET_errPageNotInitialized -1019
#define JET_errOutOfFileHandles -1020
#define JET_errDiskReadVerificationFailure -1021
#define JET_errDiskIO -1022
#define JET_errInvalidPath -1023
#define JET_errInvalidSystemPath -1024
#define JET_errInvalidLogDirectory -1025
#define JET_errRecordTooBig -1026
#define JET_errTooManyOpenDatabases -1027
#define JET_errInvalidDatabase -1028
#define JET_errNotInitialized -1029
#define JET_errAlreadyInitialized -1030
#define JET_errInitInProgress -1031
#define JET_errFileAccessDenied -1032
#define JET_errBufferTooSmall -1038
#define JET_errTooManyColumns -1040
#define JET_errContainerNotEmpty -1043
#define JET_errInvalidFilename -1044
#define JET_errInvalidBookmark -1045
#define JET_errColumnInUse -1046
#define JET_errInvalidBufferSize -1047
#define JET_errColumnNotUpdatable -1048
#define JET_errIndexInUse -1051
#define JET_errLinkNotSupported -1052
#define JET_errNullKeyDisallowed -1053
#define JET_errNotInTransaction -1054
#define JET_errTooManyActiveUsers -1059
#define JET_errInvalidCountry -1061
#define JET_errInvalidLanguageId -1062
#define JET_errInvalidCodePage -1063
#define JET_errInvalidLCMapStringFlags -1064
#define JET_errVersionStoreEntryTooBig -1065
#define JET_errVersionStoreOutOfMemoryAndCleanupTimedOut -1066
#define JET_errVersionStoreOutOfMemory -1069
#define JET_errCannotIndex -1071
#define JET_errRecordNotDeleted -1072
#define JET_errTooManyMempoolEntries -1073
#define JET_errOutOfObjectIDs -1074
#define JET_errOutOfLongValueIDs -1075
#define JET_errOutOfAutoincrementValues -1076
#define JET_errOutOfDbtimeValues -1077
#define JET_errOutOfSequentialIndexValues -1078
#define JET_errRunningInOneInstanceMode -1080
#define JET_errRunningInMultiInstanceMode -1081
#define JET_errSystemParamsAlreadySet -1082
#define JET_errSystemPathInUse -1083
#define JET_errLogFilePathInUse -1084
#define JET_errTempPathInUse -1085
#define JET_errInstanceNameInUse -1086
#define JET_errInstanceUnavailable -1090
#define JET_errDatabaseUnavailable -1091
#define JET_errInstanceUnavailableDueToFatalLogDiskFull -1092

/* sessions and transactions */
#define JET_errOutOfSessions -1101
#define JET_errWriteConflict -1102
#define JET_errTransTooDeep -1103
#define JET_errInvalidSesid -1104
#define JET_errWriteConflictPrimaryIndex -1105
#define JET_errInTransaction -1108
#define JET_errRollbackRequired -1109
#define JET_errTransReadOnly -1110
#define JET_errSessionWriteConflict -1111
#define JET_errRecordTooBigForBackwardCompatibility -1112
#define JET_errCannotMaterializeForwardOnlySort -1113
#define JET_errSesidTableIdMismatch -1114
#define JET_errInvalidInstance -1115
#define JET_errDirtyShutdown -1116
#define JET_errReadPgnoVerifyFailure -1118

/* databases */
#define JET_errDatabaseDuplicate -1201
#define JET_errDatabaseInUse -1202
#define JET_errDatabaseNotFound -1203
#define JET_errDatabaseInvalidName -1204
#define JET_errDatabaseInvalidPages -1205
#define JET_errDatabaseCorrupted -1206
#define JET_errDatabaseLocked -1207
#define JET_errCannotDisableVersioning -1208
#define JET_errInvalidDatabaseVersion -1209
#define JET_errPageSizeMismatch -1213
#define JET_errTooManyInstances -1214
#define JET_errDatabaseSharingViolation -1215
#define JET_errAttachedDatabaseMismatch -1216
#define JET_errDatabaseInvalidPath -1217
#define JET_errDatabaseIdInUse -1218
#define JET_errForceDetachNotAllowed -1219
#define JET_errCatalogCorrupted -1220
#define JET_errPartiallyAttachedDB -1221
#define JET_errDatabaseSignInUse -1222
#define JET_errDatabaseCorruptedNoRepair -1224
#define JET_errInvalidCreateDbVersion -1225

/* tables */
#define JET_errTableLocked -1302
#define JET_errTableDuplicate -1303
#define JET_errTableInUse -1304
#define JET_errObjectNotFound -1305
#define JET_errDensityInvalid -1307
#define JET_errTableNotEmpty -1308
#define JET_errInvalidTableId -1310
#define JET_errTooManyOpenTables -1311
#define JET_errIllegalOperation -1312
#define JET_errTooManyOpenTablesAndCleanupTimedOut -1313
#define JET_errObjectDuplicate -1314
#define JET_errInvalidObject -1316
#define JET_errCannotDeleteTempTable -1317
#define JET_errCannotDeleteSystemTable -1318
#define JET_errCannotDeleteTemplateTable -1319
#define JET_errExclusiveTableLockRequired -1322
#define JET_errFixedDDL -1323
#define JET_errFixedInheritedDDL -1324
#define JET_errCannotNestDDL -1325
#define JET_errDDLNotInheritable -1326
#define JET_errInvalidSettings -1328
#define JET_errClientRequestToStopJetService -1329
#define JET_errCannotAddFixedVarColumnToDerivedTable -1330

/* indexes */
#define JET_errIndexCantBuild -1401
#define JET_errIndexHasPrimary -1402
#define JET_errIndexDuplicate -1403
#define JET_errIndexNotFound -1404
#define JET_errIndexMustStay -1405
#define JET_errIndexInvalidDef -1406
#define JET_errInvalidCreateIndex -1409
#define JET_errTooManyOpenIndexes -1410
#define JET_errMultiValuedIndexViolation -1411
#define JET_errIndexBuildCorrupted -1412
#define JET_errPrimaryIndexCorrupted -1413
#define JET_errSecondaryIndexCorrupted -1414
#define JET_errInvalidIndexId -1416

/* columns */
#define JET_errColumnLong -1501
#define JET_errColumnNoChunk -1502
#define JET_errColumnDoesNotFit -1503
#define JET_errNullInvalid -1504
#define JET_errColumnIndexed -1505
#define JET_errColumnTooBig -1506
#define JET_errColumnNotFound -1507
#define JET_errColumnDuplicate -1508
#define JET_errMultiValuedColumnMustBeTagged -1509
#define JET_errColumnRedundant -1510
#define JET_errInvalidColumnType -1511
#define JET_errTaggedNotNULL -1514
#define JET_errNoCurrentIndex -1515
#define JET_errKeyIsMade -1516
#define JET_errBadColumnId -1517
#define JET_errBadItagSequence -1518
#define JET_errColumnInRelationship -1519
#define JET_errCannotBeTagged -1521
#define JET_errDefaultValueTooBig -1524
#define JET_errMultiValuedDuplicate -1525
#define JET_errLVCorrupted -1526
#define JET_errMultiValuedDuplicateAfterTruncation -1528
#define JET_errDerivedColumnCorruption -1529
#define JET_errInvalidPlaceholderColumn -1530

/* records and cursors */
#define JET_errRecordNotFound -1601
#define JET_errRecordNoCopy -1602
#define JET_errNoCurrentRecord -1603
#define JET_errRecordPrimaryChanged -1604
#define JET_errKeyDuplicate -1605
#define JET_errAlreadyPrepared -1607
#define JET_errKeyNotMade -1608
#define JET_errUpdateNotPrepared -1609
#define JET_errDataHasChanged -1611
#define JET_errLanguageNotSupported -1619

/* sorts and temporary tables */
#define JET_errTooManySorts -1701
#define JET_errInvalidOnSort -1702

/* files */
#define JET_errTempFileOpenError -1803
#define JET_errTooManyAttachedDatabases -1805
#define JET_errDiskFull -1808
#define JET_errPermissionDenied -1809
#define JET_errFileNotFound -1811
#define JET_errFileInvalidType -1812
#define JET_errAfterInitialization -1850
#define JET_errLogCorrupted -1852

/* session use */
#define JET_errInvalidOperation -1906
#define JET_errAccessDenied -1907
#define JET_errTooManySplits -1909
#define JET_errSessionSharingViolation -1910
#define JET_errEntryPointNotFound -1911
#define JET_errSessionContextAlreadySet -1912
#define JET_errSessionContextNotSetByThisThread -1913
#define JET_errSessionInUse -1914
#define JET_errRecordFormatConversionFailed -1915
#define JET_errOneDatabasePerSession -1916
#define JET_errRollbackError -1917

/* callbacks */
#define JET_errCallbackFailed -2101
#define JET_errCallbackNotResolved -2102

/* file I/O */
#define JET_errFileIOSparse -4000
#define JET_errFileIOBeyondEOF -4001
#define JET_errFileIOAbort -4002
#define JET_errFileIORetry -4003
#define JET_errFileIOFail -4004
#define JET_errFileCompressed -4005

/* Aliases: second names ESE gives to the numbers above. */
#define JET_wrnRecordFoundGreater JET_wrnSeekNotEqual
#define JET_wrnRecordFoundLess JET_wrnSeekNotEqual
#define JET_errDatabaseInconsistent JET_errDatabaseDirtyShutdown
#define JET_errColumnIllegalNull JET_errNullInvalid

/* ------------------------------------------------------------------ */
/* Structures                                                         */
/* ------------------------------------------------------------------ */

typedef struct tagJET_UNICODEINDEX {
	unsigned long lcid;
	unsigned long dwMapFlags;
} JET_UNICODEINDEX;

typedef struct tagJET_TUPLELIMITS {
	unsigned long chLengthMin;
	unsigned long chLengthMax;
	unsigned long chToIndexMax;
	unsigned long cchIncrement;
	unsigned long ichStart;
} JET_TUPLELIMITS;

typedef struct _JET_COLUMNDEF {
	unsigned long cbStruct;
	JET_COLUMNID columnid;
	JET_COLTYP coltyp;
	unsigned short wCountry;
	unsigned short langid;
	unsigned short cp;
	unsigned short wCollate;
	unsigned long cbMax;
	JET_GRBIT grbit;
} JET_COLUMNDEF;

/* JetOpenTemporaryTable */
typedef struct tagJET_OPENTEMPORARYTABLE {
	unsigned long cbStruct;
	const JET_COLUMNDEF *prgcolumndef;
	unsigned long ccolumn;
	JET_UNICODEINDEX *pidxunicode;
	JET_GRBIT grbit;
	JET_COLUMNID *prgcolumnid;
	unsigned long cbKeyMost;
	unsigned long cbVarSegMac;
	JET_TABLEID tableid; /* out */
} JET_OPENTEMPORARYTABLE;

/* JET_ColInfoBase / JET_ColInfoBaseByColid */
typedef struct _JET_COLUMNBASE_A {
	unsigned long cbStruct;
	JET_COLUMNID columnid;
	JET_COLTYP coltyp;
	unsigned short wCountry;
	unsigned short langid;
	unsigned short cp;
	unsigned short wFiller;
	unsigned long cbMax;
	JET_GRBIT grbit;
	char szBaseTableName[256];
	char szBaseColumnName[256];
} JET_COLUMNBASE_A;
#define JET_COLUMNBASE JET_COLUMNBASE_A

typedef struct tag_JET_COLUMNCREATE_A {
	unsigned long cbStruct;
	char *szColumnName;
	JET_COLTYP coltyp;
	unsigned long cbMax;
	JET_GRBIT grbit;
	void *pvDefault;
	unsigned long cbDefault;
	unsigned long cp;
	JET_COLUMNID columnid; /* out */
	JET_ERR err;           /* out */
} JET_COLUMNCREATE_A;
#define JET_COLUMNCREATE JET_COLUMNCREATE_A

typedef struct tagJET_CONDITIONALCOLUMN_A {
	unsigned long cbStruct;
	char *szColumnName;
	JET_GRBIT grbit;
} JET_CONDITIONALCOLUMN_A;
#define JET_CONDITIONALCOLUMN JET_CONDITIONALCOLUMN_A

typedef struct tagJET_INDEXCREATE_A {
	unsigned long cbStruct;
	char *szIndexName;
	char *szKey; /* "+col\0-col\0\0" */
	unsigned long cbKey; /* includes both terminating NULs */
	JET_GRBIT grbit;
	unsigned long ulDensity;
	union {
		unsigned long lcid;
		JET_UNICODEINDEX *pidxunicode; /* with JET_bitIndexUnicode */
	};
	union {
		unsigned long cbVarSegMac;
		JET_TUPLELIMITS *ptuplelimits; /* with JET_bitIndexTupleLimits */
	};
	JET_CONDITIONALCOLUMN_A *rgconditionalcolumn;
	unsigned long cConditionalColumn;
	JET_ERR err; /* out */
	unsigned long cbKeyMost;
} JET_INDEXCREATE_A;
#define JET_INDEXCREATE JET_INDEXCREATE_A

typedef struct tagJET_TABLECREATE_A {
	unsigned long cbStruct;
	char *szTableName;
	char *szTemplateTableName;
	unsigned long ulPages;
	unsigned long ulDensity;
	JET_COLUMNCREATE_A *rgcolumncreate;
	unsigned long cColumns;
	JET_INDEXCREATE_A *rgindexcreate;
	unsigned long cIndexes;
	JET_GRBIT grbit;
	JET_TABLEID tableid;    /* out */
	unsigned long cCreated; /* out: tables + columns + indexes created */
} JET_TABLECREATE_A;
#define JET_TABLECREATE JET_TABLECREATE_A

typedef struct _JET_RETINFO {
	unsigned long cbStruct;
	unsigned long ibLongValue;
	unsigned long itagSequence;
	JET_COLUMNID columnidNextTagged; /* out */
} JET_RETINFO;

typedef struct _JET_SETINFO {
	unsigned long cbStruct;
	unsigned long ibLongValue;
	unsigned long itagSequence;
} JET_SETINFO;

typedef struct _JET_SETCOLUMN {
	JET_COLUMNID columnid;
	const void *pvData;
	unsigned long cbData;
	JET_GRBIT grbit;
	unsigned long ibLongValue;
	unsigned long itagSequence;
	JET_ERR err; /* out */
} JET_SETCOLUMN;

typedef struct _JET_RETRIEVECOLUMN {
	JET_COLUMNID columnid;
	void *pvData;
	unsigned long cbData;
	unsigned long cbActual; /* out */
	JET_GRBIT grbit;
	unsigned long ibLongValue;
	unsigned long itagSequence;
	JET_COLUMNID columnidNextTagged; /* out */
	JET_ERR err;                     /* out */
} JET_RETRIEVECOLUMN;

/* The list structures describe a temporary table the call opened; the
 * caller reads it with JetMove/JetRetrieveColumn and closes it with
 * JetCloseTable. */
typedef struct _JET_COLUMNLIST {
	unsigned long cbStruct;
	JET_TABLEID tableid;
	unsigned long cRecord;
	JET_COLUMNID columnidPresentationOrder;
	JET_COLUMNID columnidcolumnname;
	JET_COLUMNID columnidcolumnid;
	JET_COLUMNID columnidcoltyp;
	JET_COLUMNID columnidCountry;
	JET_COLUMNID columnidLangid;
	JET_COLUMNID columnidCp;
	JET_COLUMNID columnidCollate;
	JET_COLUMNID columnidcbMax;
	JET_COLUMNID columnidgrbit;
	JET_COLUMNID columnidDefault;
	JET_COLUMNID columnidBaseTableName;
	JET_COLUMNID columnidBaseColumnName;
	JET_COLUMNID columnidDefinitionName;
} JET_COLUMNLIST;

typedef struct _JET_OBJECTLIST {
	unsigned long cbStruct;
	JET_TABLEID tableid;
	unsigned long cRecord;
	JET_COLUMNID columnidcontainername;
	JET_COLUMNID columnidobjectname;
	JET_COLUMNID columnidobjtyp;
	JET_COLUMNID columniddtCreate;
	JET_COLUMNID columniddtUpdate;
	JET_COLUMNID columnidgrbit;
	JET_COLUMNID columnidflags;
	JET_COLUMNID columnidcRecord;
	JET_COLUMNID columnidcPage;
} JET_OBJECTLIST;

typedef struct _JET_INDEXLIST {
	unsigned long cbStruct;
	JET_TABLEID tableid;
	unsigned long cRecord;
	JET_COLUMNID columnidindexname;
	JET_COLUMNID columnidgrbitIndex;
	JET_COLUMNID columnidcKey;
	JET_COLUMNID columnidcEntry;
	JET_COLUMNID columnidcPage;
	JET_COLUMNID columnidcColumn;
	JET_COLUMNID columnidiColumn;
	JET_COLUMNID columnidcolumnid;
	JET_COLUMNID columnidcoltyp;
	JET_COLUMNID columnidCountry;
	JET_COLUMNID columnidLangid;
	JET_COLUMNID columnidCp;
	JET_COLUMNID columnidCollate;
	JET_COLUMNID columnidgrbitColumn;
	JET_COLUMNID columnidcolumnname;
	JET_COLUMNID columnidLCMapFlags;
} JET_INDEXLIST;

typedef struct _JET_OBJECTINFO {
	unsigned long cbStruct;
	JET_OBJTYP objtyp;
	JET_DATESERIAL dtCreate;
	JET_DATESERIAL dtUpdate;
	JET_GRBIT grbit;
	unsigned long flags;
	unsigned long cRecord;
	unsigned long cPage;
} JET_OBJECTINFO;

typedef struct _JET_RECPOS {
	unsigned long cbStruct;
	unsigned long centriesLT;
	unsigned long centriesInRange;
	unsigned long centriesTotal;
} JET_RECPOS;

typedef struct tagJET_INDEXID {
	unsigned long cbStruct;
	unsigned char rgbIndexId[sizeof(JET_API_PTR) + 2 * sizeof(unsigned long)];
} JET_INDEXID;

typedef struct _JET_INSTANCE_INFO_A {
	JET_INSTANCE hInstanceId;
	char *szInstanceName;
	JET_API_PTR cDatabases;
	char **szDatabaseFileName;
	char **szDatabaseDisplayName;
	char **szDatabaseSLVFileName; /* always NULL */
} JET_INSTANCE_INFO_A;
#define JET_INSTANCE_INFO JET_INSTANCE_INFO_A

/* ------------------------------------------------------------------ */
/* Functions                                                          */
/* ------------------------------------------------------------------ */

/* Instances and system parameters */
/* Create an instance (not yet initialized) named szInstanceName (NULL: a
 * default name). Set its parameters with JetSetSystemParameter, then JetInit. */
JET_ERR JET_API JetCreateInstanceA(JET_INSTANCE *pinstance, const char *szInstanceName);
/* As JetCreateInstance; szDisplayName is kept for diagnostics; grbit 0. */
JET_ERR JET_API JetCreateInstance2A(JET_INSTANCE *pinstance, const char *szInstanceName,
				    const char *szDisplayName, JET_GRBIT grbit);
/* Set parameter paramid (JET_param...) of *pinstance (NULL: the process
 * default for instances created later) from lParam or szParam. Most
 * parameters can be set only before JetInit (else JET_errAfterInitialization).
 * Unknown paramid: JET_errInvalidParameter. */
JET_ERR JET_API JetSetSystemParameterA(JET_INSTANCE *pinstance, JET_SESID sesid,
				       unsigned long paramid, JET_API_PTR lParam,
				       JET_PCSTR szParam);
/* Read a parameter: a number into *plParam, a string into szParam
 * (cbMax bytes, NUL-terminated). */
JET_ERR JET_API JetGetSystemParameterA(JET_INSTANCE instance, JET_SESID sesid,
				       unsigned long paramid, JET_API_PTR *plParam,
				       JET_PSTR szParam, unsigned long cbMax);
/* Initialize the instance: create or open the log and checkpoint, run
 * recovery (redo from the checkpoint, undo of unfinished transactions)
 * when the last shutdown was not clean. Databases are attached with
 * JetAttachDatabase/JetCreateDatabase afterwards. A NULL or zero *pinstance
 * creates a default instance and stores its handle. */
JET_ERR JET_API JetInit(JET_INSTANCE *pinstance);
/* JetInit with grbit (JET_bitRecoveryWithoutUndo, ...). */
JET_ERR JET_API JetInit2(JET_INSTANCE *pinstance, JET_GRBIT grbit);
/* Shut the instance down cleanly: end every session (rolling back open
 * transactions), flush the cache, write a clean-shutdown checkpoint, detach
 * databases, free the instance. Same as JetTerm2(instance, JET_bitTermComplete). */
JET_ERR JET_API JetTerm(JET_INSTANCE instance);
/* JetTerm with JET_bitTermComplete, JET_bitTermAbrupt (no final flush;
 * recovery runs at the next JetInit) or JET_bitTermDirty. */
JET_ERR JET_API JetTerm2(JET_INSTANCE instance, JET_GRBIT grbit);
/* Stop every instance from accepting new work: later calls give
 * JET_errClientRequestToStopJetService; JetTerm still works. */
JET_ERR JET_API JetStopService(void);
/* JetStopService for one instance. */
JET_ERR JET_API JetStopServiceInstance(JET_INSTANCE instance);
/* The engine version, as ESE encodes it, in *pwVersion. */
JET_ERR JET_API JetGetVersion(JET_SESID sesid, unsigned long *pwVersion);

/* Sessions */
/* Start a session on an initialized instance. szUserName and szPassword are
 * ignored (pass ""). At most JET_paramMaxSessions sessions: then
 * JET_errOutOfSessions. */
JET_ERR JET_API JetBeginSessionA(JET_INSTANCE instance, JET_SESID *psesid,
				 JET_PCSTR szUserName, JET_PCSTR szPassword);
/* A new session of the same instance (not a copy of the transaction state). */
JET_ERR JET_API JetDupSession(JET_SESID sesid, JET_SESID *psesid);
/* End a session: roll back every open transaction level, close its
 * cursors, databases and temporary tables, free it. grbit may hold
 * JET_bitForceSessionClosed (no effect); other bits: JET_errInvalidParameter.
 * Another thread inside a call on the session: JET_errSessionInUse. A handle
 * that is not a live session: JET_errInvalidSesid. On failure the session
 * stays usable. */
JET_ERR JET_API JetEndSession(JET_SESID sesid, JET_GRBIT grbit);

/* Transactions */
/* Open a transaction level (at most 7 nested; the 8th gives
 * JET_errTransTooDeep). Level 1 takes a snapshot: the session sees the
 * database as of now, plus its own changes. */
JET_ERR JET_API JetBeginTransaction(JET_SESID sesid);
/* JetBeginTransaction; JET_bitTransactionReadOnly makes every change in it
 * fail with JET_errTransReadOnly. */
JET_ERR JET_API JetBeginTransaction2(JET_SESID sesid, JET_GRBIT grbit);
/* Commit the innermost level into the one around it. Committing level 1
 * makes the changes visible and durable before the call returns, unless
 * JET_bitCommitLazyFlush (durable at a later flush; lost by a crash before
 * it). JET_bitWaitLastLevel0Commit: no commit, just wait until the session's
 * last lazy commit is durable. Not in a transaction: JET_errNotInTransaction. */
JET_ERR JET_API JetCommitTransaction(JET_SESID sesid, JET_GRBIT grbit);
/* Undo the innermost level (JET_bitRollbackAll: every level). Cursors opened
 * inside the undone level are closed. */
JET_ERR JET_API JetRollback(JET_SESID sesid, JET_GRBIT grbit);

/* Databases */
/* Create database file szFilename, attach and open it (*pdbid). It exists:
 * JET_errDatabaseDuplicate, unless JET_bitDbOverwriteExisting. szConnect is
 * ignored. */
JET_ERR JET_API JetCreateDatabaseA(JET_SESID sesid, JET_PCSTR szFilename,
				   JET_PCSTR szConnect, JET_DBID *pdbid, JET_GRBIT grbit);
/* Make a database file known to the instance (then JetOpenDatabase).
 * Already attached: JET_wrnDatabaseAttached. */
JET_ERR JET_API JetAttachDatabaseA(JET_SESID sesid, const char *szFilename,
				   JET_GRBIT grbit);
/* Forget an attached database (NULL: all); it must not be open. */
JET_ERR JET_API JetDetachDatabaseA(JET_SESID sesid, const char *szFilename);
/* Open an attached database for this session: *pdbid. */
JET_ERR JET_API JetOpenDatabaseA(JET_SESID sesid, const char *szFilename,
				 const char *szConnect, JET_DBID *pdbid, JET_GRBIT grbit);
/* Close a database the session opened. */
JET_ERR JET_API JetCloseDatabase(JET_SESID sesid, JET_DBID dbid, JET_GRBIT grbit);
/* Database facts by InfoLevel: JET_DbInfoFilename and ...Connect (a string),
 * ...Filesize and ...SpaceOwned (pages in the file), ...SpaceAvailable (free
 * pages), ...PageSize, ...LCID (0x409), ...Cp (1252), ...Options
 * (JET_bitDbReadOnly when opened so), ...Transactions (7 levels), ...Version
 * (the file's format version), ...FileType (JET_filetypeDatabase), each an
 * unsigned long. ...Misc, ...DBInUse and the obsolete levels: JET_wrnNyi.
 * Unknown levels: JET_errInvalidParameter. */
JET_ERR JET_API JetGetDatabaseInfoA(JET_SESID sesid, JET_DBID dbid, void *pvResult,
				    unsigned long cbMax, unsigned long InfoLevel);

/* Tables */
/* Create table szTableName and open a cursor on it (*ptableid). Name taken:
 * JET_errTableDuplicate. lPages and lDensity are hints. */
JET_ERR JET_API JetCreateTableA(JET_SESID sesid, JET_DBID dbid, const char *szTableName,
				unsigned long lPages, unsigned long lDensity,
				JET_TABLEID *ptableid);
/* Create a table with its columns and indexes in one call; fills each
 * JET_COLUMNCREATE's columnid/err and the table's tableid and cCreated. */
JET_ERR JET_API JetCreateTableColumnIndexA(JET_SESID sesid, JET_DBID dbid,
					   JET_TABLECREATE_A *ptablecreate);
/* Delete a table and all its data. Open elsewhere: JET_errTableInUse. */
JET_ERR JET_API JetDeleteTableA(JET_SESID sesid, JET_DBID dbid, const char *szTableName);
/* Rename a table. */
JET_ERR JET_API JetRenameTableA(JET_SESID sesid, JET_DBID dbid, const char *szName,
				const char *szNameNew);
/* Open a cursor on a table, positioned before the first record of the
 * primary index. No such table: JET_errObjectNotFound. JET_bitTableDenyRead
 * keeps every other session from opening the table, JET_bitTableDenyWrite
 * from opening it except JET_bitTableReadOnly, until the cursor closes;
 * such an open meets JET_errTableLocked, and asking for either while another
 * session has the table open gives JET_errTableInUse (libjet does not tell
 * that session's readers from its writers). A cursor closed inside a
 * transaction keeps its hold until the transaction ends; writes under the
 * hold make no per-row lock entries (one per table and index instead). */
JET_ERR JET_API JetOpenTableA(JET_SESID sesid, JET_DBID dbid, const char *szTableName,
			      const void *pvParameters, unsigned long cbParameters,
			      JET_GRBIT grbit, JET_TABLEID *ptableid);
/* Close a cursor (cancelling an update it had prepared). */
JET_ERR JET_API JetCloseTable(JET_SESID sesid, JET_TABLEID tableid);
/* A second cursor on the same table (or list table), on the clustered index,
 * on its first record (an empty table: on none), as ESE does; no key, range
 * or update is copied. grbit is reserved (else JET_errInvalidGrbit). */
JET_ERR JET_API JetDupCursor(JET_SESID sesid, JET_TABLEID tableid, JET_TABLEID *ptableid,
			     JET_GRBIT grbit);
/* Open a temporary table (a sort) with ccolumn columns; its key is the columns
 * with JET_bitColumnTTKey, in order. prgcolumnid receives the column ids.
 * It disappears when closed. */
JET_ERR JET_API JetOpenTempTable(JET_SESID sesid, const JET_COLUMNDEF *prgcolumndef,
				 unsigned long ccolumn, JET_GRBIT grbit,
				 JET_TABLEID *ptableid, JET_COLUMNID *prgcolumnid);
/* JetOpenTempTable with a locale for the key (lcid is recorded; text keys
 * fold the same way for every locale, as in JetCreateIndex). */
JET_ERR JET_API JetOpenTempTable2(JET_SESID sesid, const JET_COLUMNDEF *prgcolumndef,
				  unsigned long ccolumn, unsigned long lcid, JET_GRBIT grbit,
				  JET_TABLEID *ptableid, JET_COLUMNID *prgcolumnid);
/* JetOpenTempTable with JET_UNICODEINDEX (its lcid as in JetOpenTempTable2;
 * dwMapFlags ignored; NULL: the default). */
JET_ERR JET_API JetOpenTempTable3(JET_SESID sesid, const JET_COLUMNDEF *prgcolumndef,
				  unsigned long ccolumn, JET_UNICODEINDEX *pidxunicode,
				  JET_GRBIT grbit, JET_TABLEID *ptableid,
				  JET_COLUMNID *prgcolumnid);
/* JetOpenTempTable taking a JET_OPENTEMPORARYTABLE (cbStruct at least its
 * size, else JET_errInvalidParameter); cbKeyMost limits the key (0: the
 * default; below JET_cbKeyMostMin: JET_errInvalidParameter), cbVarSegMac is
 * ignored; the cursor comes back in tableid. */
JET_ERR JET_API JetOpenTemporaryTable(JET_SESID sesid,
				      JET_OPENTEMPORARYTABLE *popentemporarytable);
/* Table facts by InfoLevel: JET_TblInfo (a JET_OBJECTINFO), ...Name,
 * ...TemplateTableName (""), ...Dbid, ...SpaceOwned (pages of the table's
 * trees: records, indexes, long values; counted, so proportional to the
 * table's size), ...SpaceAvailable (0: pages are not reserved per table),
 * ...SpaceUsage (both, two unsigned longs), ...SpaceAlloc (the lPages given
 * at creation). The obsolete and debugging levels: JET_wrnNyi. */
JET_ERR JET_API JetGetTableInfoA(JET_SESID sesid, JET_TABLEID tableid, void *pvResult,
				 unsigned long cbMax, unsigned long InfoLevel);
/* Object (table) facts by InfoLevel; JET_ObjInfoList opens a JET_OBJECTLIST
 * temporary table of every table. cRecord and cPage (JET_OBJECTINFO, the
 * list's columns) are counted when asked for, so exact and proportional to
 * the tables' sizes (ESE reports them as of the last JetComputeStats);
 * JET_ObjInfoListNoStats leaves them 0. */
JET_ERR JET_API JetGetObjectInfoA(JET_SESID sesid, JET_DBID dbid, JET_OBJTYP objtyp,
				  const char *szContainerName, const char *szObjectName,
				  void *pvResult, unsigned long cbMax,
				  unsigned long InfoLevel);
/* Lock the current record for reading or writing (JET_bitReadLock,
 * JET_bitWriteLock) until the transaction ends. Outside a transaction:
 * JET_errNotInTransaction. libjet: a write lock conflicts at once
 * (JET_errWriteConflict) with any other writer; a read lock takes nothing
 * (no shared locks; the snapshot already keeps the record as read). */
JET_ERR JET_API JetGetLock(JET_SESID sesid, JET_TABLEID tableid, JET_GRBIT grbit);
/* Recount the table's records and pages (libjet keeps no statistics: a
 * no-op after checking the handles). */
JET_ERR JET_API JetComputeStats(JET_SESID sesid, JET_TABLEID tableid);

/* Columns */
/* Add a column described by *pcolumndef, with an optional default value;
 * *pcolumnid receives its id. Name taken: JET_errColumnDuplicate. */
JET_ERR JET_API JetAddColumnA(JET_SESID sesid, JET_TABLEID tableid,
			      JET_PCSTR szColumnName, const JET_COLUMNDEF *pcolumndef,
			      const void *pvDefault, unsigned long cbDefault,
			      JET_COLUMNID *pcolumnid);
/* Delete a column. Used by an index: JET_errColumnInUse. */
JET_ERR JET_API JetDeleteColumnA(JET_SESID sesid, JET_TABLEID tableid,
				 const char *szColumnName);
/* JetDeleteColumn with grbit. */
JET_ERR JET_API JetDeleteColumn2A(JET_SESID sesid, JET_TABLEID tableid,
				  const char *szColumnName, const JET_GRBIT grbit);
/* Rename a column. */
JET_ERR JET_API JetRenameColumnA(JET_SESID sesid, JET_TABLEID tableid, JET_PCSTR szName,
				 JET_PCSTR szNameNew, JET_GRBIT grbit);
/* Column facts by InfoLevel (JET_ColInfo: a JET_COLUMNDEF; JET_ColInfoList: a
 * JET_COLUMNLIST temporary table; JET_ColInfoBase: a JET_COLUMNBASE). */
JET_ERR JET_API JetGetColumnInfoA(JET_SESID sesid, JET_DBID dbid,
				  const char *szTableName, const char *szColumnName,
				  void *pvResult, unsigned long cbMax,
				  unsigned long InfoLevel);
/* JetGetColumnInfo through an open cursor. */
JET_ERR JET_API JetGetTableColumnInfoA(JET_SESID sesid, JET_TABLEID tableid,
				       const char *szColumnName, void *pvResult,
				       unsigned long cbMax, unsigned long InfoLevel);

/* Indexes */
/* Create an index. szKey is "+col1\0-col2\0\0" (+ ascending, - descending);
 * cbKey counts both final NULs. A unique index over existing duplicates:
 * JET_errKeyDuplicate. A second primary index: JET_errIndexHasPrimary. */
JET_ERR JET_API JetCreateIndexA(JET_SESID sesid, JET_TABLEID tableid,
				JET_PCSTR szIndexName, JET_GRBIT grbit, const char *szKey,
				unsigned long cbKey, unsigned long lDensity);
/* Create cIndexCreate indexes; each entry's err is filled. */
JET_ERR JET_API JetCreateIndex2A(JET_SESID sesid, JET_TABLEID tableid,
				 JET_INDEXCREATE_A *pindexcreate,
				 unsigned long cIndexCreate);
/* Delete a secondary index (the primary one: JET_errIndexMustStay). */
JET_ERR JET_API JetDeleteIndexA(JET_SESID sesid, JET_TABLEID tableid,
				JET_PCSTR szIndexName);
/* Index facts by InfoLevel (JET_IdxInfoList: a JET_INDEXLIST temporary table;
 * JET_IdxInfoCount, ...KeyMost, ...LCID, ...SpaceAlloc (density), ...IndexId;
 * JET_IdxInfoCreateIndex: a JET_INDEXCREATE with its name and key string
 * after it in pvResult, JET_errBufferTooSmall when they do not fit). */
JET_ERR JET_API JetGetIndexInfoA(JET_SESID sesid, JET_DBID dbid, const char *szTableName,
				 const char *szIndexName, void *pvResult,
				 unsigned long cbResult, unsigned long InfoLevel);
/* JetGetIndexInfo through an open cursor. */
JET_ERR JET_API JetGetTableIndexInfoA(JET_SESID sesid, JET_TABLEID tableid,
				      const char *szIndexName, void *pvResult,
				      unsigned long cbResult, unsigned long InfoLevel);

/* Cursor navigation */
/* Make index szIndexName (NULL: the primary index) the cursor's current one,
 * keeping the current record when the cursor had one, and otherwise
 * positioned before the first entry. */
JET_ERR JET_API JetSetCurrentIndexA(JET_SESID sesid, JET_TABLEID tableid,
				    const char *szIndexName);
/* JetSetCurrentIndex; JET_bitMoveFirst moves to the first entry,
 * JET_bitNoMove keeps the current record. */
JET_ERR JET_API JetSetCurrentIndex2A(JET_SESID sesid, JET_TABLEID tableid,
				     JET_PCSTR szIndexName, JET_GRBIT grbit);
/* JetSetCurrentIndex2 with the value sequence of a multi-valued key. */
JET_ERR JET_API JetSetCurrentIndex3A(JET_SESID sesid, JET_TABLEID tableid,
				     JET_PCSTR szIndexName, JET_GRBIT grbit,
				     unsigned long itagSequence);
/* JetSetCurrentIndex3 with an index id from JET_IdxInfoIndexId. */
JET_ERR JET_API JetSetCurrentIndex4A(JET_SESID sesid, JET_TABLEID tableid,
				     JET_PCSTR szIndexName, JET_INDEXID *pindexid,
				     JET_GRBIT grbit, unsigned long itagSequence);
/* The name of the cursor's current index. */
JET_ERR JET_API JetGetCurrentIndexA(JET_SESID sesid, JET_TABLEID tableid,
				    JET_PSTR szIndexName, unsigned long cchIndexName);
/* Move the cursor: JET_MoveFirst, JET_MoveLast, JET_MoveNext,
 * JET_MovePrevious or cRow entries. Past either end: JET_errNoCurrentRecord.
 * Inside an index range, past its limit: JET_errNoCurrentRecord. */
JET_ERR JET_API JetMove(JET_SESID sesid, JET_TABLEID tableid, long cRow, JET_GRBIT grbit);
/* Add a column value to the search key (JET_bitNewKey starts a new key);
 * limits by JET_bitStrLimit, JET_bitFullColumnEndLimit, ... */
JET_ERR JET_API JetMakeKey(JET_SESID sesid, JET_TABLEID tableid, const void *pvData,
			   unsigned long cbData, JET_GRBIT grbit);
/* The normalized key of the current entry (JET_bitRetrieveCopy: of the key
 * being made). */
JET_ERR JET_API JetRetrieveKey(JET_SESID sesid, JET_TABLEID tableid, void *pvData,
			       unsigned long cbMax, unsigned long *pcbActual,
			       JET_GRBIT grbit);
/* Position on the key made with JetMakeKey: JET_bitSeekEQ, ...LT, ...LE,
 * ...GE, ...GT. Found but not equal: JET_wrnSeekNotEqual; none:
 * JET_errRecordNotFound. No key made: JET_errKeyNotMade. */
JET_ERR JET_API JetSeek(JET_SESID sesid, JET_TABLEID tableid, JET_GRBIT grbit);
/* Limit the cursor to the entries up to (JET_bitRangeUpperLimit) or from the
 * key made, inclusive with JET_bitRangeInclusive; JET_bitRangeRemove lifts
 * the limit. */
JET_ERR JET_API JetSetIndexRange(JET_SESID sesid, JET_TABLEID tableidSrc, JET_GRBIT grbit);
/* Count the entries from the current one to the end of the index or range,
 * at most crecMax (0: no limit). */
JET_ERR JET_API JetIndexRecordCount(JET_SESID sesid, JET_TABLEID tableid,
				    unsigned long *pcrec, unsigned long crecMax);
/* The bookmark of the current record (at most JET_cbBookmarkMost bytes). */
JET_ERR JET_API JetGetBookmark(JET_SESID sesid, JET_TABLEID tableid, void *pvBookmark,
			       unsigned long cbMax, unsigned long *pcbActual);
/* Move to the record a bookmark names. Deleted: JET_errRecordDeleted. */
JET_ERR JET_API JetGotoBookmark(JET_SESID sesid, JET_TABLEID tableid, void *pvBookmark,
				unsigned long cbBookmark);
/* The position of the current record in the index (exact in libjet;
 * centriesInRange is 1, as in ESE). */
JET_ERR JET_API JetGetRecordPosition(JET_SESID sesid, JET_TABLEID tableid,
				     JET_RECPOS *precpos, unsigned long cbRecpos);
/* Move to the approximate position centriesLT / centriesTotal. */
JET_ERR JET_API JetGotoPosition(JET_SESID sesid, JET_TABLEID tableid, JET_RECPOS *precpos);

/* Records */
/* Start an insert (JET_prepInsert, JET_prepInsertCopy) or a replace of the
 * current record (JET_prepReplace, ...NoLock), or cancel one
 * (JET_prepCancel). Already prepared: JET_errAlreadyPrepared. A replace may
 * not change the primary key (JetUpdate: JET_errRecordPrimaryChanged);
 * JET_prepInsertCopyDeleteOriginal does that: a copy of the current record
 * (keeping its autoincrement value and long values) inserted, with the
 * caller's changes, and the original deleted, in one step (on a temporary
 * table: JET_errIllegalOperation). A JET_bitColumnVersion column is 0 in a
 * new record and one more than the record's in a replace, from here on (so
 * JET_bitRetrieveCopy sees it). */
JET_ERR JET_API JetPrepareUpdate(JET_SESID sesid, JET_TABLEID tableid, unsigned long prep);
/* Set a column in the record being prepared. cbData 0 with no bits sets
 * NULL; JET_bitSetZeroLength sets an empty value. Long values: append,
 * overwrite at ibLongValue, resize (JET_bitSetAppendLV, ...). Multi-valued
 * columns: psetinfo->itagSequence picks the value (0: add one). Too long:
 * JET_errColumnTooBig; wrong size for a fixed type: JET_errInvalidBufferSize. */
JET_ERR JET_API JetSetColumn(JET_SESID sesid, JET_TABLEID tableid, JET_COLUMNID columnid,
			     const void *pvData, unsigned long cbData, JET_GRBIT grbit,
			     JET_SETINFO *psetinfo);
/* JetSetColumn for csetcolumn columns; each entry's err is filled. */
JET_ERR JET_API JetSetColumns(JET_SESID sesid, JET_TABLEID tableid,
			      JET_SETCOLUMN *psetcolumn, unsigned long csetcolumn);
/* Copy a column of the current record (or, with JET_bitRetrieveCopy, of the
 * record being prepared) into pvData. *pcbActual is the full length: a
 * smaller cbData gives JET_wrnBufferTruncated. NULL: JET_wrnColumnNull with
 * *pcbActual 0. */
JET_ERR JET_API JetRetrieveColumn(JET_SESID sesid, JET_TABLEID tableid,
				  JET_COLUMNID columnid, void *pvData, unsigned long cbData,
				  unsigned long *pcbActual, JET_GRBIT grbit,
				  JET_RETINFO *pretinfo);
/* JetRetrieveColumn for cretrievecolumn columns; each entry's cbActual and
 * err are filled. */
JET_ERR JET_API JetRetrieveColumns(JET_SESID sesid, JET_TABLEID tableid,
				   JET_RETRIEVECOLUMN *pretrievecolumn,
				   unsigned long cretrievecolumn);
/* Write the prepared record; pvBookmark (optional) receives its bookmark.
 * Nothing prepared: JET_errUpdateNotPrepared; a unique key taken:
 * JET_errKeyDuplicate; a NOT NULL column NULL: JET_errNullInvalid; a record
 * another transaction changed: JET_errWriteConflict. Outside a transaction
 * the update is atomic and durable on its own. */
JET_ERR JET_API JetUpdate(JET_SESID sesid, JET_TABLEID tableid, void *pvBookmark,
			  unsigned long cbBookmark, unsigned long *pcbActual);
/* JetUpdate with grbit. */
JET_ERR JET_API JetUpdate2(JET_SESID sesid, JET_TABLEID tableid, void *pvBookmark,
			   unsigned long cbBookmark, unsigned long *pcbActual,
			   const JET_GRBIT grbit);
/* Delete the current record; the cursor stays between its neighbours. */
JET_ERR JET_API JetDelete(JET_SESID sesid, JET_TABLEID tableid);
/* Add *pv (cbMax 4 or 8, the column's size) to a JET_bitColumnEscrowUpdate
 * column of the current record, optionally returning the value before (as
 * this transaction sees it). In a transaction only (JET_errNotInTransaction).
 * As in ESE, transactions adding to the same record's escrow column at the
 * same time do not conflict: each sees its own additions, and at commit its
 * delta is added to the committed value, so every committed delta counts.
 * A locked write of the record (JetPrepareUpdate replace, JetDelete,
 * JetGetLock) conflicts with escrow deltas of other transactions pending or
 * committed after its snapshot, and an escrow update with a locked write of
 * the record pending or committed after its snapshot (JET_errWriteConflict).
 * libjet: the first escrow update of a record whose column is NULL (its
 * default showing) and every escrow update of an indexed escrow column are
 * locked read-modify-writes; JET_bitEscrowNoRollback is accepted, the change
 * is transacted all the same. */
JET_ERR JET_API JetEscrowUpdate(JET_SESID sesid, JET_TABLEID tableid,
				JET_COLUMNID columnid, void *pv, unsigned long cbMax,
				void *pvOld, unsigned long cbOldMax,
				unsigned long *pcbOldActual, JET_GRBIT grbit);

/* Online (external) backup and restore */
/* Copy the instance's databases and logs into folder szBackupPath, consistent
 * as of the end of the copy (JET_bitBackupIncremental: the logs only). */
JET_ERR JET_API JetBackupA(JET_PCSTR szBackupPath, JET_GRBIT grbit,
			   JET_PFNSTATUS pfnStatus);
/* JetBackup for one instance. */
JET_ERR JET_API JetBackupInstanceA(JET_INSTANCE instance, JET_PCSTR szBackupPath,
				   JET_GRBIT grbit, JET_PFNSTATUS pfnStatus);
/* Start an online backup done by the caller: JetGetAttachInfo,
 * JetOpenFile/JetReadFile/JetCloseFile for each file, JetGetLogInfo, the
 * same for the logs, JetTruncateLog, JetEndExternalBackup. A second
 * concurrent backup: JET_errBackupInProgress. */
JET_ERR JET_API JetBeginExternalBackup(JET_GRBIT grbit);
/* JetBeginExternalBackup for one instance. */
JET_ERR JET_API JetBeginExternalBackupInstance(JET_INSTANCE instance, JET_GRBIT grbit);
/* The database files to copy, as a list of NUL-terminated names ending in an
 * empty name. Out of sequence: JET_errInvalidBackupSequence; no backup:
 * JET_errNoBackup. */
JET_ERR JET_API JetGetAttachInfoA(char *szz, unsigned long cbMax,
				  unsigned long *pcbActual);
/* JetGetAttachInfo for one instance. */
JET_ERR JET_API JetGetAttachInfoInstanceA(JET_INSTANCE instance, char *szz,
					  unsigned long cbMax, unsigned long *pcbActual);
/* Open a file named by JetGetAttachInfo/JetGetLogInfo for reading;
 * its size in *pulFileSizeLow/High. */
JET_ERR JET_API JetOpenFileA(const char *szFileName, JET_HANDLE *phfFile,
			     unsigned long *pulFileSizeLow,
			     unsigned long *pulFileSizeHigh);
/* JetOpenFile for one instance. */
JET_ERR JET_API JetOpenFileInstanceA(JET_INSTANCE instance, JET_PCSTR szFileName,
				     JET_HANDLE *phfFile, unsigned long *pulFileSizeLow,
				     unsigned long *pulFileSizeHigh);
/* Read the next cb bytes of an opened backup file; pages read are verified
 * (a bad checksum: JET_errReadVerifyFailure). */
JET_ERR JET_API JetReadFile(JET_HANDLE hfFile, void *pv, unsigned long cb,
			    unsigned long *pcbActual);
/* JetReadFile for one instance. */
JET_ERR JET_API JetReadFileInstance(JET_INSTANCE instance, JET_HANDLE hfFile, void *pv,
				    unsigned long cb, unsigned long *pcbActual);
/* Close a backup file. */
JET_ERR JET_API JetCloseFile(JET_HANDLE hfFile);
/* JetCloseFile for one instance. */
JET_ERR JET_API JetCloseFileInstance(JET_INSTANCE instance, JET_HANDLE hfFile);
/* The log files the backup needs, as JetGetAttachInfo lists names. */
JET_ERR JET_API JetGetLogInfoA(char *szz, unsigned long cbMax, unsigned long *pcbActual);
/* JetGetLogInfo for one instance. */
JET_ERR JET_API JetGetLogInfoInstanceA(JET_INSTANCE instance, char *szz,
				       unsigned long cbMax, unsigned long *pcbActual);
/* Delete log files that the backup made unnecessary. */
JET_ERR JET_API JetTruncateLog(void);
/* JetTruncateLog for one instance. */
JET_ERR JET_API JetTruncateLogInstance(JET_INSTANCE instance);
/* End the backup (normally). */
JET_ERR JET_API JetEndExternalBackup(void);
/* JetEndExternalBackup for one instance. */
JET_ERR JET_API JetEndExternalBackupInstance(JET_INSTANCE instance);
/* End the backup: JET_bitBackupEndNormal or JET_bitBackupEndAbort. */
JET_ERR JET_API JetEndExternalBackupInstance2(JET_INSTANCE instance, JET_GRBIT grbit);
/* Restore a backup made by JetBackup from folder sz (simplified: no target
 * folder remapping beyond ESE's JetRestoreInstance szDest). */
JET_ERR JET_API JetRestoreA(JET_PCSTR sz, JET_PFNSTATUS pfn);
JET_ERR JET_API JetRestoreInstanceA(JET_INSTANCE instance, JET_PCSTR sz, JET_PCSTR szDest,
				    JET_PFNSTATUS pfn);

/* Plain names map to the A forms (an ESENT build without UNICODE). */
#define JetCreateInstance JetCreateInstanceA
#define JetCreateInstance2 JetCreateInstance2A
#define JetSetSystemParameter JetSetSystemParameterA
#define JetGetSystemParameter JetGetSystemParameterA
#define JetBeginSession JetBeginSessionA
#define JetCreateDatabase JetCreateDatabaseA
#define JetAttachDatabase JetAttachDatabaseA
#define JetDetachDatabase JetDetachDatabaseA
#define JetOpenDatabase JetOpenDatabaseA
#define JetGetDatabaseInfo JetGetDatabaseInfoA
#define JetCreateTable JetCreateTableA
#define JetCreateTableColumnIndex JetCreateTableColumnIndexA
#define JetDeleteTable JetDeleteTableA
#define JetRenameTable JetRenameTableA
#define JetOpenTable JetOpenTableA
#define JetGetTableInfo JetGetTableInfoA
#define JetGetObjectInfo JetGetObjectInfoA
#define JetAddColumn JetAddColumnA
#define JetDeleteColumn JetDeleteColumnA
#define JetDeleteColumn2 JetDeleteColumn2A
#define JetRenameColumn JetRenameColumnA
#define JetGetColumnInfo JetGetColumnInfoA
#define JetGetTableColumnInfo JetGetTableColumnInfoA
#define JetCreateIndex JetCreateIndexA
#define JetCreateIndex2 JetCreateIndex2A
#define JetDeleteIndex JetDeleteIndexA
#define JetGetIndexInfo JetGetIndexInfoA
#define JetGetTableIndexInfo JetGetTableIndexInfoA
#define JetSetCurrentIndex JetSetCurrentIndexA
#define JetSetCurrentIndex2 JetSetCurrentIndex2A
#define JetSetCurrentIndex3 JetSetCurrentIndex3A
#define JetSetCurrentIndex4 JetSetCurrentIndex4A
#define JetGetCurrentIndex JetGetCurrentIndexA
#define JetBackup JetBackupA
#define JetBackupInstance JetBackupInstanceA
#define JetGetAttachInfo JetGetAttachInfoA
#define JetGetAttachInfoInstance JetGetAttachInfoInstanceA
#define JetOpenFile JetOpenFileA
#define JetOpenFileInstance JetOpenFileInstanceA
#define JetGetLogInfo JetGetLogInfoA
#define JetGetLogInfoInstance JetGetLogInfoInstanceA
#define JetRestore JetRestoreA
#define JetRestoreInstance JetRestoreInstanceA

/* ------------------------------------------------------------------ */
/* libjet extensions (not in ESE)                                     */
/* ------------------------------------------------------------------ */

/* The symbolic name of err, e.g. "JET_errWriteConflict" for -1102. A number
 * that is not a known code gives "JET_err(unknown -1234)" (or
 * "JET_wrn(unknown 1234)"), formatted in a thread-local buffer that the
 * next call from the same thread overwrites. Never returns NULL. */
const char *JetErrorName(JET_ERR err);

/* A one-line meaning of err in plain English, without a trailing period.
 * Unknown numbers give the same text as JetErrorName. Never returns NULL. */
const char *JetErrorDescription(JET_ERR err);

/*
 * Table state (libjet extension). Every table carries two signed 64-bit
 * counters that transactions change by delta; at commit the deltas are
 * added to the committed values, so concurrent writers of one table never
 * conflict over them (ESE's escrow idea, per table). jetfs keeps a table's
 * exact CSV size and row count there. changedNs is the time (unix
 * nanoseconds) of the last commit that changed the table's records or
 * counters, or the time JetSetTableChangedTime set. objidTable is the
 * table's id: stable for the table's life and never reused. All of it is
 * transacted, logged and recovered like data, and read from the session's
 * snapshot plus its own changes.
 */
#define JET_ctableCounters 2
typedef struct JET_TABLESTATE {
	unsigned long cbStruct;
	unsigned long objidTable;
	long long rgCounter[JET_ctableCounters];
	unsigned long long changedNs;
	/* Commits that changed the table's records or counters: a program that
	 * adds 1 to one of its counters in every commit that changes the table
	 * can tell, by comparing, whether someone else changed it meanwhile. */
	unsigned long long cModifications;
} JET_TABLESTATE;
JET_ERR JET_API JetGetTableState(JET_SESID sesid, JET_TABLEID tableid, JET_TABLESTATE *pstate);
/* Must be in a transaction (JET_errNotInTransaction), table opened for
 * writing. iCounter < JET_ctableCounters. */
JET_ERR JET_API JetAddTableCounter(JET_SESID sesid, JET_TABLEID tableid, unsigned long iCounter,
				   long long delta);
/* The time the next commit records as the table's change time (as utimes
 * does for a file); 0 goes back to the commit's own time. */
JET_ERR JET_API JetSetTableChangedTime(JET_SESID sesid, JET_TABLEID tableid,
				       unsigned long long changedNs);

/*
 * Online backup helpers (libjet extensions), for a program that serves a
 * backup's files itself, as jetfs's .backup/ does.
 *
 * JetReadFileAtInstance reads cb bytes at ibOffset of a file opened with
 * JetOpenFileInstance, without moving the position JetReadFileInstance
 * reads from; *pcbActual < cb only at the end of the file. Calls on the
 * same or different handles may run at once from several threads (not
 * concurrently with JetCloseFileInstance of that handle).
 *
 * JetSetBackupDatabaseFolderInstance: the checkpoint file that
 * JetGetLogInfoInstance hands out names each database as szFolder/NAME,
 * relative to the checkpoint file's own folder (default "": the same
 * folder). ".." fits a copy whose logs and checkpoint file lie in a folder
 * beside the database. A relative path only (JET_errInvalidParameter);
 * after JetBeginExternalBackupInstance and before JetGetLogInfoInstance
 * (JET_errInvalidBackupSequence after it).
 */
JET_ERR JET_API JetReadFileAtInstance(JET_INSTANCE instance, JET_HANDLE hfFile,
				      unsigned long long ibOffset, void *pv, unsigned long cb,
				      unsigned long *pcbActual);
JET_ERR JET_API JetSetBackupDatabaseFolderInstance(JET_INSTANCE instance, JET_PCSTR szFolder);

#ifdef __cplusplus
}
#endif

#endif /* JET_H */
