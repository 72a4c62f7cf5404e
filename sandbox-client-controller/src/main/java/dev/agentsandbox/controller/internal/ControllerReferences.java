package dev.agentsandbox.controller.internal;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Controller ownerReferences: the only kind of owner reference the controllers write. */
final class ControllerReferences {
  private ControllerReferences() {
  }

  /** An ownerReference to {@code owner} with {@code controller} and {@code blockOwnerDeletion}. */
  static OwnerReference to(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** Makes {@code owner} the controller of {@code object}, after the owners it has already. */
  static void add(HasMetadata object, HasMetadata owner) {
    List<OwnerReference> refs = object.getMetadata().getOwnerReferences() == null
        ? new ArrayList<>()
        : new ArrayList<>(object.getMetadata().getOwnerReferences());
    refs.add(to(owner));
    object.getMetadata().setOwnerReferences(refs);
  }

  /** The ownerReference of {@code object} that is marked as its controller, if any. */
  static Optional<OwnerReference> controllerOf(HasMetadata object) {
    List<OwnerReference> refs = object.getMetadata().getOwnerReferences();
    if (refs == null) {
      return Optional.empty();
    }
    return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
  }

  /** Whether {@code owner} (matched by UID) is the controller of {@code object}. */
  static boolean isControlledBy(HasMetadata object, HasMetadata owner) {
    String uid = owner.getMetadata().getUid();
    return controllerOf(object).map(r -> uid != null && uid.equals(r.getUid())).orElse(false);
  }

  /** {@code Kind/name (UID: uid)}, as used in ownership error messages. */
  static String describe(OwnerReference ref) {
    return ref.getKind() + "/" + ref.getName() + " (UID: " + ref.getUid() + ")";
  }
}
