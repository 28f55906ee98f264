// jest.config.js made the environment hermetic (test/support/hermetic-env.js): no AWS credentials,
// a fixed region. These quiet Powertools in the handlers that tests load in this process.
process.env.POWERTOOLS_DEV = 'false';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
// Metrics are EMF lines on stdout; tests that check them turn them back on.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
