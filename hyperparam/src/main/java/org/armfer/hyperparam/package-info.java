/** hyperparam */
package org.armfer.hyperparam;
