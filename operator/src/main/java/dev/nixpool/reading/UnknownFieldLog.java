package dev.nixpool.reading;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;

/**
 * Skips a field the operator's classes do not know, e.g. one that a newer CRD added ({@code minIdle}), and says so once
 * per class and field. Without it Jackson fails the whole object, and with it the informer's list or watch.
 */
final class UnknownFieldLog extends DeserializationProblemHandler {

    private static final Logger LOG = Logger.getLogger(UnknownFieldLog.class);

    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    @Override
    public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
            Object beanOrClass, String propertyName) throws IOException {
        String type = beanOrClass instanceof Class<?> c ? c.getSimpleName() : beanOrClass.getClass().getSimpleName();
        if (logged.add(type + "." + propertyName)) {
            LOG.warnf("ignoring field %s of %s: this operator version does not know it (is the installed CRD newer?);"
                    + " logged once", propertyName, type);
        }
        p.skipChildren();
        return true;
    }
}
