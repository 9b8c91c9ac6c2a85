/**
 * Drop-in configurations of DL4J layers (same parameters, same semantics) whose CPU forward and backward passes avoid
 * DL4J 1.0.0-M2.1's slow paths. armfer's zoo builds its models with them; a user's own graph can use them through
 * their builders or {@code of(existingConfiguration)}.
 */
package org.armfer.fast;
