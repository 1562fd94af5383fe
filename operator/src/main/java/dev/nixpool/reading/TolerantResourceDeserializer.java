package dev.nixpool.reading;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;

import dev.nixpool.reading.UnreadableObjects.Unreadable;

/**
 * Reads one of the operator's custom resources, and never fails on its spec or status: an object whose fields have
 * types this version cannot take ({@code maxBuilders: "many"}, {@code spec: 3}) becomes the same object with its
 * metadata only, and the reason goes to {@link UnreadableObjects}. One such object in a list or watch response would
 * otherwise fail the whole response, and so stop the informer of its kind for every object.
 */
final class TolerantResourceDeserializer extends DelegatingDeserializer {

    private static final long serialVersionUID = 1L;
    /** {@code `java.lang.Integer`} reads as {@code Integer} in a message for users. */
    private static final Pattern QUALIFIED_TYPE = Pattern.compile("`(?:[A-Za-z0-9_$]+\\.)*([A-Za-z0-9_$]+)`");

    private final Class<? extends CustomResource<?, ?>> type;
    private final transient UnreadableObjects unreadable;

    TolerantResourceDeserializer(JsonDeserializer<?> delegate, Class<? extends CustomResource<?, ?>> type,
            UnreadableObjects unreadable) {
        super(delegate);
        this.type = type;
        this.unreadable = unreadable;
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
        return new TolerantResourceDeserializer(newDelegatee, type, unreadable);
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonNode tree = ctxt.readTree(p);
        try (JsonParser fromTree = tree.traverse(p.getCodec())) {
            fromTree.nextToken();
            Object read = _delegatee.deserialize(fromTree, ctxt);
            if (read instanceof CustomResource<?, ?> resource && resource.getMetadata() != null) {
                unreadable.readable(resource.getKind(), resource.getMetadata().getNamespace(),
                        resource.getMetadata().getName(), resource.getMetadata().getResourceVersion());
            }
            return read;
        } catch (DatabindException e) {
            return metadataOnly(tree, ctxt, e);
        }
    }

    /** Without readable metadata the object cannot even be named: then the original failure stands. */
    private CustomResource<?, ?> metadataOnly(JsonNode tree, DeserializationContext ctxt, DatabindException failure)
            throws IOException {
        JsonNode metadataNode = tree.get("metadata");
        if (metadataNode == null || !metadataNode.isObject()) {
            throw failure;
        }
        ObjectMeta metadata = ctxt.readTreeAsValue(metadataNode, ObjectMeta.class);
        CustomResource<?, ?> resource = newInstance();
        resource.setMetadata(metadata);
        unreadable.record(resource.getKind(), metadata.getNamespace(), metadata.getName(),
                new Unreadable(metadata.getResourceVersion(), reason(failure), tree.get("status")));
        return resource;
    }

    private CustomResource<?, ?> newInstance() {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException
                | NoSuchMethodException e) {
            throw new IllegalStateException(type + " needs a public no-argument constructor", e);
        }
    }

    /** E.g. {@code spec.maxBuilders: Cannot deserialize value of type Integer from String "many": ...}. */
    static String reason(DatabindException failure) {
        String message = failure instanceof JsonMappingException mapping
                ? mapping.getOriginalMessage()
                : failure.getMessage();
        message = QUALIFIED_TYPE.matcher(message).replaceAll("$1");
        if (failure instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String path = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            return path + ": " + message;
        }
        return message;
    }
}
