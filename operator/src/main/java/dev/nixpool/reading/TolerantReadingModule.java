package dev.nixpool.reading;

import java.util.Set;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;

import io.fabric8.kubernetes.client.CustomResource;

/** Wraps the deserializers of the given custom resource classes in {@link TolerantResourceDeserializer}. */
final class TolerantReadingModule extends SimpleModule {

    private static final long serialVersionUID = 1L;

    TolerantReadingModule(Set<Class<? extends CustomResource<?, ?>>> kinds, UnreadableObjects unreadable) {
        super("nixpool-tolerant-reading");
        setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            @SuppressWarnings("unchecked")
            public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription description,
                    JsonDeserializer<?> deserializer) {
                Class<?> type = description.getBeanClass();
                if (!kinds.contains(type)) {
                    return deserializer;
                }
                return new TolerantResourceDeserializer(deserializer, (Class<? extends CustomResource<?, ?>>) type,
                        unreadable);
            }
        });
    }
}
