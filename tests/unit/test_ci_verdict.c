#include "ci_verdict.h"
#include "unit.h"

#include <jv.h>
#include <string.h>

/* Feeds each JSON text to the verdict. */
static void feed(struct ci_verdict *v, const char *const *texts)
{
    for (; *texts; texts++) {
        jv rec = jv_parse(*texts);
        ci_verdict_add(v, &rec);
        jv_free(rec);
    }
}

#define DIAG(id, sig, cat, transient, conf)                                                        \
    "{\"type\":\"diagnosis\",\"id\":\"" id "\",\"trace\":\"" id "\",\"signature\":\"" sig          \
    "\",\"category\":\"" cat "\",\"summary\":\"s " sig "\",\"transient\":" transient               \
    ",\"confidence\":" conf "}"
#define ID1 "01M8MNW85C4ZRVBBDP8FX9VCF1"
#define ID2 "01M8MNW85C4ZRVBBDP8FX9VCF2"

static void test_classes(void)
{
    struct ci_verdict v;
    ci_verdict_init(&v);
    CHECK(ci_verdict_class(&v) == CI_CLASS_UNKNOWN && !ci_verdict_headline(&v),
          "nothing diagnosed is unknown");
    feed(&v, (const char *const[]){DIAG(ID1, "network.curl-connect-failed", "network", "true",
                                        "0.85"),
                                   NULL});
    CHECK(ci_verdict_class(&v) == CI_CLASS_TRANSIENT, "a transient diagnosis is transient");
    feed(&v, (const char *const[]){DIAG(ID2, "build.c-undeclared", "build", "false", "0.5"),
                                   NULL});
    CHECK(ci_verdict_class(&v) == CI_CLASS_CODE, "a build diagnosis beside it makes it code");
    CHECK_STR(ci_verdict_headline(&v)->signature, "build.c-undeclared", "and names it");
    CHECK_STR(ci_class_name(CI_CLASS_CODE), "code", "the class has its record name");

    ci_verdict_init(&v);
    feed(&v, (const char *const[]){DIAG(ID1, "test.pytest-error", "test", "true", "0.9"), NULL});
    CHECK(ci_verdict_class(&v) == CI_CLASS_TEST, "a test diagnosis is never transient");

    ci_verdict_init(&v);
    feed(&v, (const char *const[]){DIAG(ID1, "disk.full", "disk", "false", "0.9"),
                                   DIAG(ID2, "disk.read-only", "disk", "false", "0.95"), NULL});
    CHECK(ci_verdict_class(&v) == CI_CLASS_INFRASTRUCTURE, "anything else is infrastructure");
    CHECK_STR(ci_verdict_headline(&v)->signature, "disk.read-only",
              "the most confident of a class is the headline");
}

static void test_wait_remedy_and_outcomes(void)
{
    struct ci_verdict v;
    ci_verdict_init(&v);
    feed(&v, (const char *const[]){
                 DIAG(ID1, "network.address-in-use", "network", "false", "0.8"),
                 "{\"type\":\"proposal\",\"parent\":\"" ID1 "\",\"candidates\":["
                 "{\"remedy\":\"my.wait\",\"action\":\"wait\"},"
                 "{\"remedy\":\"svc.restart\",\"action\":\"command\"}]}",
                 "{\"type\":\"outcome\",\"remedy\":\"my.wait\",\"action\":\"executed\","
                 "\"result\":\"unverified\"}",
                 NULL});
    CHECK(ci_verdict_class(&v) == CI_CLASS_TRANSIENT,
          "a wait remedy offered for a diagnosis makes it transient");
    CHECK(!v.remedied, "waiting is not a remedy that changed anything");
    feed(&v, (const char *const[]){"{\"type\":\"outcome\",\"remedy\":\"svc.restart\","
                                   "\"action\":\"executed\",\"result\":\"failed\"}",
                                   NULL});
    CHECK(!v.remedied, "a remedy that failed does not count");
    feed(&v, (const char *const[]){"{\"type\":\"outcome\",\"remedy\":\"svc.restart\","
                                   "\"action\":\"executed\",\"result\":\"healed\"}",
                                   NULL});
    CHECK(v.remedied && !strcmp(v.remedy, "svc.restart"), "a remedy that healed counts");
}

int main(void)
{
    test_classes();
    test_wait_remedy_and_outcomes();
    return unit_done();
}
