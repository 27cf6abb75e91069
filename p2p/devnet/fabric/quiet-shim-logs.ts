/**
 * fabric-shim logs every transaction at INFO through winston; its log level is
 * read from this variable when its modules load, so this module is imported first.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'ERROR';
