package io.backstop.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Everything checked of a set of rendered objects: each object's schema, then the project's rules. */
public final class Manifests {

    private final StrictSchemas schemas;
    private final ProjectRules rules;

    public Manifests(Project project) {
        this.schemas = new StrictSchemas(project.path("deploy/schemas"));
        this.rules = new ProjectRules(project);
    }

    /** The problems of {@code objects} run on {@code platform} (the same list for an overlay); empty when valid. */
    public List<String> problems(List<ObjectNode> objects, List<ObjectNode> platform) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode object : objects) {
            problems.addAll(schemas.check(object));
        }
        problems.addAll(rules.check(objects, platform));
        return problems;
    }
}
