package io.backstop.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

/**
 * What the build produces and the services are configured with, read from the repository itself: the
 * reactor's modules, which of them have an image (Jib not skipped) and its name, each service's
 * application.yml (port, database schema) and the kit's shared defaults.
 */
public final class Project {

    private static final Pattern PLACEHOLDER_DEFAULT = Pattern.compile("\\$\\{[^:}]+:([^}]*)}");

    private final Path root;
    private final Document rootPom;

    public Project(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.rootPom = xml(this.root.resolve("pom.xml"));
    }

    /** The repository found from the working directory ({@code deploy/} under Maven) or the {@code backstop.root} property. */
    public static Project locate() {
        String configured = System.getProperty("backstop.root");
        Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path p = start.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("k8s")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return new Project(p);
            }
        }
        throw new IllegalStateException("no Backstop repository (k8s/ and pom.xml) at or above " + start);
    }

    public Path root() {
        return root;
    }

    public Path path(String relative) {
        return root.resolve(relative);
    }

    public String version() {
        return child(rootPom.getDocumentElement(), "version");
    }

    /** The modules whose build makes an image (jib.skip false), in reactor order. */
    public List<String> imageModules() {
        List<String> modules = new ArrayList<>();
        NodeList list = ((Element) rootPom.getElementsByTagName("modules").item(0)).getElementsByTagName("module");
        for (int i = 0; i < list.getLength(); i++) {
            String module = list.item(i).getTextContent().trim();
            Document pom = xml(root.resolve(module).resolve("pom.xml"));
            if ("false".equals(property(pom, "jib.skip").orElse(property(rootPom, "jib.skip").orElse("false")))) {
                modules.add(module);
            }
        }
        return modules;
    }

    /** The image the build produces for a module: {@code <backstop.image.prefix>/<module>:<version>}. */
    public String image(String module) {
        return property(rootPom, "backstop.image.prefix").orElseThrow() + "/" + module + ":" + version();
    }

    /** The modules that are Spring Boot services (they have an application.yml). */
    public List<String> services() {
        return imageModules().stream()
                .filter(m -> Files.isRegularFile(root.resolve(m).resolve("src/main/resources/application.yml"))).toList();
    }

    /** A service's application.yml as nested maps (aliases resolved). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> applicationYaml(String module) {
        return (Map<String, Object>) yaml(root.resolve(module).resolve("src/main/resources/application.yml"));
    }

    /** The HTTP port a service listens on by default (server.port's default in its application.yml). */
    public int port(String module) {
        Object port = at(applicationYaml(module), "server.port");
        Matcher m = PLACEHOLDER_DEFAULT.matcher(String.valueOf(port));
        return Integer.parseInt(m.find() ? m.group(1) : String.valueOf(port));
    }

    /** The PostgreSQL schema a service owns (backstop.db.schema). */
    public String dbSchema(String module) {
        return String.valueOf(at(applicationYaml(module), "backstop.db.schema"));
    }

    /** The defaults every service shares (service-kit's backstop-kit-defaults.properties). */
    public Properties kitDefaults() {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(root.resolve("service-kit/src/main/resources/backstop-kit-defaults.properties"))) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    static Object yaml(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new Yaml().load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @SuppressWarnings("unchecked")
    static Object at(Map<String, Object> tree, String dotted) {
        Object node = tree;
        for (String key : dotted.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = ((Map<String, Object>) map).get(key);
        }
        return node;
    }

    /** Flattens nested maps to dotted keys (leaves only; list items as key[i]). */
    static Map<String, Object> flatten(Object tree) {
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("", tree, flat);
        return flat;
    }

    private static void flatten(String prefix, Object node, Map<String, Object> flat) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, flat));
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                flatten(prefix + "[" + i + "]", list.get(i), flat);
            }
        } else {
            flat.put(prefix, node);
        }
    }

    private static Optional<String> property(Document pom, String name) {
        NodeList props = pom.getDocumentElement().getElementsByTagName("properties");
        for (int i = 0; i < props.getLength(); i++) {
            Node parent = props.item(i).getParentNode();
            if (parent != pom.getDocumentElement()) {
                continue; // a profile's properties
            }
            NodeList values = ((Element) props.item(i)).getElementsByTagName(name);
            if (values.getLength() > 0) {
                return Optional.of(values.item(0).getTextContent().trim());
            }
        }
        return Optional.empty();
    }

    private static String child(Element element, String name) {
        NodeList children = element.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        throw new IllegalStateException("no <" + name + "> in the root pom");
    }

    private static Document xml(Path file) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(file.toFile());
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
