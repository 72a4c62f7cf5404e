package dev.agentsandbox.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Strategic merge patches as kubectl apply sends them, applied as a kube-apiserver applies them. */
class StrategicMergePatchTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final StrategicMergePatch RULES = StrategicMergePatch.rules();

  private static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static JsonNode apply(String apiVersion, String kind, String original, String patch) {
    String definition = RULES.definitionOf(apiVersion, kind).orElseThrow();
    return RULES.apply(json(original), json(patch), definition);
  }

  @Test
  void findsTheDefinitionOfBuiltInKindsOnly() {
    assertEquals(Optional.of("io.k8s.api.apps.v1.Deployment"), RULES.definitionOf("apps/v1", "Deployment"));
    assertEquals(Optional.of("io.k8s.api.core.v1.Event"), RULES.definitionOf("v1", "Event"));
    assertEquals(Optional.of("io.k8s.api.events.v1.Event"), RULES.definitionOf("events.k8s.io/v1", "Event"));
    assertEquals(Optional.empty(), RULES.definitionOf("extensions.agents.x-k8s.io/v1alpha1", "SandboxClaim"));
  }

  @Test
  void containersMergeByNameAndKeepTheOrderKubectlAsksFor() {
    JsonNode patched = apply("apps/v1", "Deployment",
        "{'spec':{'replicas':1,'template':{'spec':{'containers':["
            + "{'name':'a','image':'a:1','ports':[{'containerPort':80}]},{'name':'b','image':'b:1'}]}}}}",
        "{'spec':{'replicas':2,'template':{'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'a'}],"
            + "'containers':[{'name':'a','image':'a:2'}]}}}}");
    assertEquals(json("{'spec':{'replicas':2,'template':{'spec':{'containers':["
        + "{'name':'b','image':'b:1'},{'name':'a','image':'a:2','ports':[{'containerPort':80}]}]}}}}"), patched);
  }

  @Test
  void aListWithoutAStrategyIsReplacedAndNullDeletes() {
    JsonNode patched = apply("apps/v1", "Deployment",
        "{'metadata':{'labels':{'app':'x','tier':'web'}},'spec':{'template':{'spec':{'containers':"
            + "[{'name':'a','args':['one','two']}]}}}}",
        "{'metadata':{'labels':{'tier':null}},'spec':{'template':{'spec':{'containers':[{'name':'a','args':['three']}]}}}}");
    assertEquals(json("{'metadata':{'labels':{'app':'x'}},'spec':{'template':{'spec':{'containers':"
        + "[{'name':'a','args':['three']}]}}}}"), patched);
  }

  @Test
  void servicePortsMergeByPortAndADeleteDirectiveRemovesOne() {
    JsonNode patched = apply("v1", "Service",
        "{'spec':{'selector':{'app':'x'},'ports':[{'port':80,'targetPort':8080},{'port':443}]}}",
        "{'spec':{'ports':[{'port':443,'$patch':'delete'},{'port':80,'targetPort':9090},{'port':81}]}}");
    assertEquals(json("{'spec':{'selector':{'app':'x'},'ports':[{'port':80,'targetPort':9090},{'port':81}]}}"),
        patched);
  }

  @Test
  void finalizersAreASetAndCanLoseAnElement() {
    JsonNode patched = apply("v1", "ConfigMap",
        "{'metadata':{'finalizers':['a','b']}}",
        "{'metadata':{'finalizers':['c','a'],'$deleteFromPrimitiveList/finalizers':['b']}}");
    assertEquals(json("{'metadata':{'finalizers':['a','c']}}"), patched);
  }

  @Test
  void replaceAndRetainKeysDirectives() {
    JsonNode replaced = apply("v1", "ConfigMap", "{'data':{'a':'1','b':'2'}}", "{'data':{'$patch':'replace','c':'3'}}");
    assertEquals(json("{'data':{'c':'3'}}"), replaced);

    JsonNode retained = apply("v1", "Pod",
        "{'spec':{'volumes':[{'name':'v','emptyDir':{},'hostPath':{'path':'/x'}}]}}",
        "{'spec':{'volumes':[{'name':'v','$retainKeys':['name','emptyDir'],'emptyDir':{'medium':'Memory'}}]}}");
    assertEquals(json("{'spec':{'volumes':[{'name':'v','emptyDir':{'medium':'Memory'}}]}}"), retained);
  }

  @Test
  void theApiServerAppliesAStrategicMergePatchToADeployment() {
    try (LocalApiServer api = LocalApiServer.start((ns, pod) -> Optional.empty());
        KubernetesClient client = api.newClient()) {
      Deployment created = client.apps().deployments().inNamespace("default").resource(new DeploymentBuilder()
          .withNewMetadata().withName("web").endMetadata()
          .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web").endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec()
          .addNewContainer().withName("main").withImage("web:1").endContainer()
          .addNewContainer().withName("sidecar").withImage("proxy:1").endContainer()
          .endSpec().endTemplate().endSpec().build()).create();

      Deployment patched = client.apps().deployments().inNamespace("default").withName("web")
          .patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
              "{\"spec\":{\"replicas\":3,\"template\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"web:2\"}]}}}}");

      assertEquals(3, patched.getSpec().getReplicas());
      assertEquals(2, patched.getSpec().getTemplate().getSpec().getContainers().size(), "the sidecar stays");
      assertEquals("web:2", patched.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
      assertTrue(Long.parseLong(patched.getMetadata().getResourceVersion())
          > Long.parseLong(created.getMetadata().getResourceVersion()));
    }
  }
}
