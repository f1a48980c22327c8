#include "record.h"
#include "unit.h"

#include <stdlib.h>

int main(void)
{
    enum { N = 1000000 };
    char (*ids)[RECORD_ID_SIZE] = malloc((size_t)N * RECORD_ID_SIZE);
    int increasing = 1, shaped = 1;
    for (int i = 0; i < N; i++) {
        record_id_new(ids[i]);
        if (strlen(ids[i]) != 26 || strspn(ids[i], "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != 26)
            shaped = 0;
        if (i > 0 && strcmp(ids[i - 1], ids[i]) >= 0)
            increasing = 0;
    }
    CHECK(shaped, "ids are 26 Crockford base32 characters");
    CHECK(increasing, "1e6 ids in a row are strictly increasing, hence unique");
    free(ids);

    setenv("HEAL_NOW", "1796500360.123", 1);
    char a[RECORD_ID_SIZE], b[RECORD_ID_SIZE];
    record_id_new(a);
    record_id_new(b);
    CHECK(strcmp(a, b) < 0, "with a frozen clock ids still increase");
    CHECK(strncmp(a, "01M93W82XV", 10) == 0, "the first 10 characters encode the time: %.10s", a);

    jv check = record_new("check");
    CHECK(record_is_type(&check, "check"), "record_new sets the type");
    CHECK_STR(record_string_borrow(&check, "ts"), "2026-12-05T19:52:40.123Z", "ts comes from the clock");
    jv v = jv_object_get(jv_copy(check), jv_string("v"));
    CHECK(jv_number_value(v) == 1, "v is the schema version 1");
    jv_free(v);
    CHECK(record_string_borrow(&check, "host") != NULL, "host is set");
    check = jv_object_set(check, jv_string("target"), jv_string("web"));
    check = jv_object_set(check, jv_string("labels"),
                          jv_object_set(jv_object(), jv_string("unit"), jv_string("nginx")));

    jv diag = record_derive("diagnosis", jv_copy(check));
    CHECK_STR(record_string_borrow(&diag, "parent"), record_string_borrow(&check, "id"),
              "a derived record's parent is the source's id");
    CHECK_STR(record_string_borrow(&diag, "trace"), record_string_borrow(&check, "id"),
              "a chain started by a check is traced by the check's id");
    CHECK_STR(record_string_borrow(&diag, "target"), "web", "the target is carried");
    jv prop = record_derive("proposal", jv_copy(diag));
    CHECK_STR(record_string_borrow(&prop, "trace"), record_string_borrow(&check, "id"),
              "the trace survives a second step");
    CHECK_STR(record_string_borrow(&prop, "parent"), record_string_borrow(&diag, "id"),
              "the parent is the immediate source");
    jv labels = jv_object_get(jv_copy(prop), jv_string("labels"));
    CHECK_STR(record_string_borrow(&labels, "unit"), "nginx", "labels pass through unchanged");
    jv_free(labels);
    CHECK(record_string_borrow(&prop, "missing") == NULL, "an absent field borrows as NULL");
    jv_free(prop);
    jv_free(diag);
    jv_free(check);
    return unit_done();
}
