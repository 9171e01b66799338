#!/usr/bin/env bash
# Creates the Kafka topics, one SCRAM-SHA-512 user per service (principal User:crm-<service>) and
# the ACLs of deploy/kafka/access.conf, idempotently, with Kafka's own CLI tools:
#
#   KAFKA_BIN=/opt/kafka/bin BOOTSTRAP=b-1.kafka.example.internal:9096 ADMIN_CONFIG=admin.properties \
#   PARTITIONS=6 REPLICATION_FACTOR=3 \
#   KAFKA_PASSWORD_CONTACTS=... KAFKA_PASSWORD_DEALS=... KAFKA_PASSWORD_ACTIVITIES=... KAFKA_PASSWORD_ANALYTICS=... \
#   bash deploy/kafka/setup.sh
#
# ADMIN_CONFIG is a client properties file that logs in as a cluster admin (security.protocol,
# sasl.mechanism, sasl.jaas.config, ssl.truststore...). A KAFKA_PASSWORD_<SERVICE> left unset skips
# that user (its password is managed elsewhere, e.g. the managed service's secret store).
# deploy/docker-compose.yml runs it as the kafka-setup service. See docs/deployment.md.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${KAFKA_BIN:=/opt/kafka/bin}" "${BOOTSTRAP:?set BOOTSTRAP (host:port of a broker)}" "${PARTITIONS:=3}" "${REPLICATION_FACTOR:=1}"
admin=(--bootstrap-server "$BOOTSTRAP")
[[ -n ${ADMIN_CONFIG:-} ]] && admin+=(--command-config "$ADMIN_CONFIG")

topic() { "$KAFKA_BIN/kafka-topics.sh" "${admin[@]}" --create --if-not-exists --topic "$1" --partitions "$PARTITIONS" --replication-factor "$REPLICATION_FACTOR" >/dev/null; }
acl() { # acl <principal> <operation> <resource flag> <name> [prefixed]
  "$KAFKA_BIN/kafka-acls.sh" "${admin[@]}" --add --allow-principal "User:$1" --operation "$2" "$3" "$4" \
    ${5:+--resource-pattern-type prefixed} >/dev/null
}

dead_letter=$(awk '$1 == "dead-letter-topic" { print $2 }' "$HERE/access.conf")
for name in $(awk '$1 == "topics" { $1 = ""; print }' "$HERE/access.conf"); do topic "$name"; done
# Compacted also when the topic was created before (altering the policy is idempotent).
for name in $(awk '$1 == "compacted" { $1 = ""; print }' "$HERE/access.conf"); do
  "$KAFKA_BIN/kafka-configs.sh" "${admin[@]}" --alter --entity-type topics --entity-name "$name" --add-config cleanup.policy=compact >/dev/null
done
grep -Ev '^\s*(#|$|dead-letter-topic|topics|compacted)' "$HERE/access.conf" | while read -r service owns consumes groups; do
  principal=crm-$service
  password_var=KAFKA_PASSWORD_${service^^}
  if [[ -n ${!password_var:-} ]]; then
    "$KAFKA_BIN/kafka-configs.sh" "${admin[@]}" --alter --entity-type users --entity-name "$principal" \
      --add-config "SCRAM-SHA-512=[iterations=8192,password=${!password_var}]" >/dev/null
  fi
  acl "$principal" Describe --topic crm. prefixed
  acl "$principal" Write --topic "$dead_letter"
  if [[ $owns != - ]]; then
    acl "$principal" Create --topic "$owns" prefixed
    acl "$principal" Write --topic "$owns" prefixed
  fi
  if [[ $consumes != - ]]; then
    for consumed in ${consumes//,/ }; do acl "$principal" Read --topic "$consumed"; done
  fi
  [[ $groups == - ]] || acl "$principal" Read --group "$groups" prefixed
  echo "[kafka-setup] $principal: owns ${owns}, reads ${consumes}, groups ${groups}"
done
