package dev.dlpipe;

import java.util.concurrent.Callable;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * For tests that provoke a failure on purpose: Spark logs every failed task with its whole stack trace, which in a
 * CI log reads like a real error. Inside {@link #quietly} those logs are off and one line says what is expected.
 */
public final class ExpectedErrors {

    private ExpectedErrors() {
    }

    public static <T> T quietly(String expected, Callable<T> action) throws Exception {
        System.err.println("(expected, not a failure: " + expected + "; Spark's task-failure logs are muted for it)");
        Level before = LogManager.getRootLogger().getLevel();
        Configurator.setRootLevel(Level.OFF);
        try {
            return action.call();
        } finally {
            Thread.sleep(1000); // Spark logs the sibling tasks it kills just after the job has failed
            Configurator.setRootLevel(before);
        }
    }
}
